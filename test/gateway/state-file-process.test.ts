/**
 * The state file through the gateway PROCESS (`bluegreen gateway --state-file`), restarted on the same ports:
 * ids that are special to JavaScript objects survive a restart, and the temp file of each write follows no symlink.
 */
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { request } from "undici";
import { startBackend, type Backend } from "../helper/backends";
import { freePort, startGatewayProcess, type GatewayProcess, type GatewayProcessOptions } from "../helper/gateway-process";

jest.setTimeout(60_000);

const KEY = "state-File-Process-Key-8d02aa";
let backend: Backend;
let tmp: string;
const running = new Set<GatewayProcess>();

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "bg-state-process-"));
  backend = await startBackend("b");
});

afterAll(async () => {
  for (const gw of running) await gw.kill("SIGKILL");
  await backend?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function options(name: string): Promise<GatewayProcessOptions> {
  return { adminPort: await freePort(), proxyPort: await freePort(), adminKey: KEY, stateFile: path.join(tmp, `${name}.json`) };
}

async function start(opts: GatewayProcessOptions): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(opts);
  running.add(gw);
  void gw.exited.then(() => running.delete(gw));
  return gw;
}

async function admin(gw: GatewayProcess, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await request(`${gw.adminUrl}/apisix/admin${p}`, {
    method: method as "GET",
    headers: { "x-api-key": KEY, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

async function proxied(gw: GatewayProcess, uri: string): Promise<{ status: number; backend: unknown }> {
  const res = await request(gw.proxyUrl + uri);
  await res.body.text();
  return { status: res.statusCode, backend: res.headers["x-backend"] };
}

test("a route, service and upstream with id __proto__ survive a restart from the state file and take traffic", async () => {
  const opts = await options("proto");
  let gw = await start(opts);
  const nodes = { [`${backend.host}:${backend.port}`]: 1 };
  expect((await admin(gw, "PUT", "/upstreams/__proto__", { type: "roundrobin", nodes })).status).toBe(201);
  expect((await admin(gw, "PUT", "/services/__proto__", { upstream_id: "__proto__" })).status).toBe(201);
  expect((await admin(gw, "PUT", "/routes/__proto__", { uri: "/proto", service_id: "__proto__" })).status).toBe(201);
  const before = await admin(gw, "GET", "/routes/__proto__");
  expect(await proxied(gw, "/proto")).toEqual({ status: 200, backend: "b" });

  await gw.kill("SIGTERM");
  gw = await start(opts);
  const after = await admin(gw, "GET", "/routes/__proto__");
  expect(after.status).toBe(200);
  expect(after.body).toEqual(before.body);
  expect((await admin(gw, "GET", "/services/__proto__")).body.value.upstream_id).toBe("__proto__");
  expect((await admin(gw, "GET", "/upstreams/__proto__")).body.value.nodes).toEqual(nodes);
  expect((await admin(gw, "GET", "/routes")).body.total).toBe(1);
  expect(await proxied(gw, "/proto")).toEqual({ status: 200, backend: "b" });
});

test("symlinks planted where the temp file of a write could be are not followed, and writes still succeed", async () => {
  const opts = await options("planted");
  let gw = await start(opts);
  const precious = path.join(tmp, "precious.txt");
  writeFileSync(precious, "not yours\n");
  // the temp name used to be .<file>.<pid>.<ms>.tmp: plant one for every millisecond of the next 15 s
  const base = path.basename(opts.stateFile);
  const now = Date.now();
  for (let ms = now; ms < now + 15_000; ms++) symlinkSync(precious, path.join(tmp, `.${base}.${gw.pid}.${ms}.tmp`));

  const nodes = { [`${backend.host}:${backend.port}`]: 1 };
  for (let i = 0; i < 5; i++) {
    expect((await admin(gw, "PUT", `/routes/r${i}`, { uri: `/p${i}`, upstream: { type: "roundrobin", nodes } })).status).toBe(201);
  }
  expect(readFileSync(precious, "utf8")).toBe("not yours\n");
  expect(lstatSync(opts.stateFile).isFile()).toBe(true);
  expect(readdirSync(tmp).filter((n) => n.startsWith(`.${base}.`) && !n.startsWith(`.${base}.${gw.pid}.`))).toEqual([]);

  await gw.kill("SIGTERM");
  gw = await start(opts);
  expect((await admin(gw, "GET", "/routes")).body.total).toBe(5);
  expect(await proxied(gw, "/p4")).toEqual({ status: 200, backend: "b" });
  // start-up removed every leftover that has the name of a temp file (the planted links, not their target)
  expect(readdirSync(tmp).filter((n) => n.startsWith(`.${base}.`))).toEqual([]);
  expect(readFileSync(precious, "utf8")).toBe("not yours\n");
});
