import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayStore, saveStateFile, startGateway } from "../../lib/gateway";
import { startAdmin } from "./admin-helper";

const up = { type: "roundrobin", nodes: { "127.0.0.1:1980": 1 } };

/** The module object itself (not an import wrapper), so jest.spyOn can replace randomBytes for state-file.ts. */
const nodeCrypto: typeof import("node:crypto") = jest.requireActual("node:crypto");

const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-state-"));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The start-up error for `stateFile`, or "started" (the gateway is closed again). */
async function startupError(stateFile: string): Promise<string> {
  try {
    await (await startGateway({ adminPort: 0, proxyPort: 0, stateFile })).close();
    return "started";
  } catch (err) {
    return (err as Error).message;
  }
}

describe("state file", () => {
  it("is written before the write is answered and restores everything on restart", async () => {
    const dir = tempDir();
    const file = join(dir, "state.json");
    const a = await startAdmin({ stateFile: file });
    await a.call("PUT", "/apisix/admin/upstreams/u1", up);
    const put = await a.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream_id: "u1", labels: { x: "1" } });
    expect(put.status).toBe(201);
    expect(readFileSync(file, "utf8")).toContain('"r1"');
    const posted = await a.call("POST", "/apisix/admin/services", { name: "svc" });
    const before = await a.call("GET", "/apisix/admin/routes/r1");
    await a.gw.close();
    expect(readdirSync(dir)).toEqual(["state.json"]);

    const b = await startAdmin({ stateFile: file });
    try {
      const after = await b.call("GET", "/apisix/admin/routes/r1");
      expect(after.body).toEqual(before.body);
      expect((await b.call("GET", `/apisix/admin/services/${posted.body.value.id}`)).status).toBe(200);
      expect(b.gw.store.current().upstreams.get("u1")).toMatchObject(up);
      const next = await b.call("POST", "/apisix/admin/services", { name: "svc2" });
      expect(next.body.value.id > posted.body.value.id).toBe(true);
      const del = await b.call("DELETE", "/apisix/admin/routes/r1");
      expect(del.status).toBe(200);
    } finally {
      await b.gw.close();
    }
    const c = await startAdmin({ stateFile: file });
    try {
      expect((await c.call("GET", "/apisix/admin/routes/r1")).status).toBe(404);
    } finally {
      await c.gw.close();
    }
  });

  it("removes temp files of writes a crash interrupted, keeping the state", async () => {
    const dir = tempDir();
    const file = join(dir, "state.json");
    const a = await startAdmin({ stateFile: file });
    await a.call("PUT", "/apisix/admin/upstreams/u1", up);
    await a.gw.close();
    writeFileSync(join(dir, ".state.json.4242.1700000000000.tmp"), '{"format":'); // the names before random ones
    writeFileSync(join(dir, `.state.json.${"0f".repeat(16)}.tmp`), '{"format":');
    writeFileSync(join(dir, "unrelated.tmp"), "keep me");
    writeFileSync(join(dir, ".state.json.backup.tmp"), "keep me too");

    const b = await startAdmin({ stateFile: file });
    try {
      expect(readdirSync(dir).sort()).toEqual([".state.json.backup.tmp", "state.json", "unrelated.tmp"]);
      expect((await b.call("GET", "/apisix/admin/upstreams/u1")).status).toBe(200);
    } finally {
      await b.gw.close();
    }
  });

  it("opens its temp file exclusively: a symlink planted at the temp name is not followed, the write still succeeds", async () => {
    const dir = tempDir();
    const file = join(dir, "state.json");
    const target = join(dir, "target.txt");
    writeFileSync(target, "untouched\n");
    const suffix = Buffer.alloc(16, 0xab);
    symlinkSync(target, join(dir, `.state.json.${suffix.toString("hex")}.tmp`));
    const spy = jest.spyOn(nodeCrypto, "randomBytes").mockImplementationOnce((() => suffix) as unknown as typeof nodeCrypto.randomBytes);
    try {
      const state = new GatewayStore({ flavor: "apisix" }).state();
      await saveStateFile(file, state);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(target, "utf8")).toBe("untouched\n");
    expect(lstatSync(file).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ format: "bluegreen-gateway-state/v1", revision: 0 });
  });

  it("refuses to start on a corrupt file, naming it", async () => {
    const file = join(tempDir(), "state.json");
    writeFileSync(file, "{ this is not json");
    await expect(startGateway({ adminPort: 0, proxyPort: 0, stateFile: file })).rejects.toThrow(
      new RegExp(`gateway state file ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is corrupt`),
    );
  });

  it("refuses a JSON file that is not a state file, and a flavour mismatch", async () => {
    const file = join(tempDir(), "state.json");
    writeFileSync(file, JSON.stringify({ hello: "world" }));
    await expect(startGateway({ adminPort: 0, proxyPort: 0, stateFile: file })).rejects.toThrow(/is not a valid state file/);

    const file2 = join(tempDir(), "state.json");
    const a = await startAdmin({ stateFile: file2 });
    await a.call("PUT", "/apisix/admin/upstreams/u1", up);
    await a.gw.close();
    await expect(startGateway({ adminPort: 0, proxyPort: 0, stateFile: file2, flavor: "api7-ee" })).rejects.toThrow(
      /flavor "apisix".*flavor "api7-ee"/,
    );
  });

  it("names the entry that is not valid, an entry with id __proto__ included", async () => {
    const dir = tempDir();
    const file = join(dir, "state.json");
    const entry = (id: string) => ({ value: { id, uri: "/" }, createdIndex: 1, modifiedIndex: 1 });
    const state = (routes: string) =>
      `{"format":"bluegreen-gateway-state/v1","flavor":"apisix","revision":1,"services":{},"upstreams":{},"routes":${routes}}`;
    writeFileSync(file, state(`{"r1":${JSON.stringify({ ...entry("r1"), createdIndex: -1 })}}`));
    expect(await startupError(file)).toMatch(/is not a valid state file \(.* at routes\.r1\.createdIndex\)/);
    writeFileSync(file, state(`{"r1":${JSON.stringify(entry("r1"))},"__proto__":{"value":5}}`));
    expect(await startupError(file)).toMatch(/is not a valid state file \(.* at routes\.__proto__\.value\)/);
  });

  it("fails start-up when the directory does not exist", async () => {
    const file = join(tempDir(), "missing-dir", "state.json");
    await expect(startGateway({ adminPort: 0, proxyPort: 0, stateFile: file })).rejects.toThrow(/cannot write gateway state file/);
  });

  it("keeps every concurrent write", async () => {
    const file = join(tempDir(), "state.json");
    const a = await startAdmin({ stateFile: file });
    await a.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream: up });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => a.call("PATCH", "/apisix/admin/routes/r1", { labels: { [`k${i}`]: "v" } })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await a.gw.close();
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(Object.keys(saved.routes.r1.value.labels)).toHaveLength(30);
  });
});
