/**
 * The bundled hook, `dist/hook/bluegreen-hook.cjs` and its program, what Terraform runs: copied alone into a temp directory
 * outside the project (no node_modules on any parent path) and run there with `node`, against the embedded gateway.
 * apply, destroy, sweep, teardown, a request that does not match the schema (zod's English message), and the same
 * file as the release guardian (`guardian`), which restores the old body when its pipe closes without `done`, and
 * the health gate, sent like every other request through node:http (the bundle carries no undici).
 * Needs `npm run build`.
 */
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RunningGateway, startGateway } from "../../lib/gateway/gateway";
import { REQUEST_ENV } from "../../lib/model/gateway-request";
import { upstreamId, UPSTREAM_HASH_LENGTH } from "../../lib/model/upstream-ids";
import { GUARDIAN_ARMED } from "../../lib/release/guardian-handoff";
import { programFileOf } from "../../lib/bundle/program-file";
import { closedPort } from "../helper/fake-admin";
import { startHealthBackend } from "./health-backends";

const BUNDLE = resolve(__dirname, "../../dist/hook/bluegreen-hook.cjs");
const KEY = "sk-BUNDLE-SECRET-5d1e8a";
const OWNER = "bundle/stack";
const ours = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": OWNER };

let gw: RunningGateway;
let dir: string;
let hook: string;

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), "bluegreen-bundle-"));
  hook = join(dir, "bluegreen-hook.cjs");
  copyFileSync(BUNDLE, hook);
  copyFileSync(programFileOf(BUNDLE), programFileOf(hook));
  gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY });
});

afterAll(async () => {
  await gw?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const gateway = () => ({ admin_url: gw.adminUrl, flavor: "apisix", admin_key_env: "GATEWAY_ADMIN_KEY", retry_budget_ms: 1_000 });

function runHook(action: string, request: unknown): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, BLUEGREEN_CODE_CACHE: process.env.BLUEGREEN_CODE_CACHE, GATEWAY_ADMIN_KEY: KEY, [REQUEST_ENV]: JSON.stringify(request) };
  return new Promise((done) => {
    execFile(process.execPath, [hook, action], { cwd: dir, env, timeout: 30_000 }, (error, stdout, stderr) => {
      expect(`${stdout}${stderr}`).not.toContain(KEY);
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const upstream = (id: string, port: number) => ({
  kind: "object",
  method: "PUT",
  path: `/apisix/admin/upstreams/${id}`,
  body: { type: "roundrobin", nodes: { [`127.0.0.1:${port}`]: 1 }, labels: ours },
  gateway: gateway(),
  construct_path: `${OWNER}/${id}`,
  adopt: false,
});

test("apply, destroy, sweep and teardown from a lone copy of the bundle", async () => {
  const applied = await runHook("apply", upstream("u1", 8001));
  expect(applied).toMatchObject({ code: 0, stdout: "bluegreen: PUT /apisix/admin/upstreams/u1 -> 201 (verified)\n", stderr: "" });
  expect(gw.store.get("upstreams", "u1")?.value.nodes).toEqual({ "127.0.0.1:8001": 1 });

  expect((await runHook("apply", upstream("u2", 8002))).code).toBe(0);
  expect((await runHook("apply", upstream("u3", 8003))).code).toBe(0);
  const destroyed = await runHook("destroy", upstream("u1", 8001));
  expect(destroyed).toMatchObject({ code: 0, stdout: "bluegreen: DELETE /apisix/admin/upstreams/u1 -> deleted\n" });
  expect(gw.store.get("upstreams", "u1")).toBeUndefined();

  const sweep = { kind: "sweep", owner: OWNER, keep: ["/apisix/admin/upstreams/u2"], gateway: gateway(), construct_path: OWNER };
  const swept = await runHook("sweep", sweep);
  expect(swept.code).toBe(0);
  expect(swept.stdout).toBe(`bluegreen: sweep owner=${OWNER} deleted 1: upstream u3\n`);
  expect(gw.store.get("upstreams", "u2")).toBeDefined();

  const { keep: _keep, ...rest } = sweep;
  const teardown = await runHook("teardown", { ...rest, kind: "teardown" });
  expect(teardown).toMatchObject({ code: 0, stdout: `bluegreen: teardown owner=${OWNER} deleted 1: upstream u2\n` });
  expect(gw.store.get("upstreams", "u2")).toBeUndefined();
});

test("a request that does not match the schema: zod's English message, naming the field and the construct", async () => {
  const bad = await runHook("apply", { ...upstream("u9", 8009), path: "/routes/r1", gateway: { ...gateway(), request_timeout_ms: 0 } });
  expect(bad.code).toBe(1);
  expect(bad.stdout).toBe("");
  expect(bad.stderr).toBe(
    `bluegreen: ${REQUEST_ENV} does not match the hook input schema (path: Invalid string: must start with "/apisix/admin/"; ` +
      `gateway.request_timeout_ms: Too small: expected number to be >0) (construct ${OWNER}/u9); was the stack synthesized ` +
      "by a different version of cdktf-apisix-bluegreen?\n",
  );
  expect(gw.store.get("upstreams", "u9")).toBeUndefined();
});

test("the bundle is the release guardian too: it restores the old body when the hook goes without a word", async () => {
  const before = { type: "roundrobin", nodes: { "127.0.0.1:8101": 1 }, labels: ours };
  expect((await runHook("apply", { ...upstream("svc", 8102), path: "/apisix/admin/upstreams/svc" })).code).toBe(0);
  const guardian = spawn(process.execPath, [hook, "guardian"], { cwd: dir, env: { PATH: process.env.PATH, BLUEGREEN_CODE_CACHE: process.env.BLUEGREEN_CODE_CACHE }, stdio: ["pipe", "pipe", "ignore"] });
  const exited = new Promise<number | null>((done) => guardian.once("exit", (code) => done(code)));
  const armed = new Promise<string>((done) => {
    let out = "";
    guardian.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.includes("\n")) done(out);
    });
    guardian.once("exit", () => done(out)); // an old bundle takes "guardian" for an unknown action and exits
  });
  const handoff = { path: "/apisix/admin/upstreams/svc", before, gateway: gateway(), admin_key: KEY, construct_path: `${OWNER}/svc`, cwd: dir, settle_ms: 0 };
  guardian.stdin!.write(`${JSON.stringify(handoff)}\n`);
  expect(await armed).toBe(`${GUARDIAN_ARMED}\n`);
  guardian.stdin!.end(); // the pipe closes without `done`: the guardian restores
  expect(await exited).toBe(0);
  expect(gw.store.get("upstreams", "svc")?.value.nodes).toEqual({ "127.0.0.1:8101": 1 });
});

test("the health gate from a lone copy of the bundle, over node:http: no undici in the file", async () => {
  // undici's error codes (lib/core/errors.js, which every part of undici loads) and its HTTP parser
  const bundled = readFileSync(hook, "utf8");
  expect({ undiciErrorCodes: bundled.includes("UND_ERR_"), llhttp: bundled.includes("llhttp") }).toEqual({ undiciErrorCodes: false, llhttp: false });

  const backend = await startHealthBackend("blue");
  try {
    const blueId = upstreamId("hs", "blue", "0".repeat(UPSTREAM_HASH_LENGTH));
    expect((await runHook("apply", upstream(blueId, backend.port))).code).toBe(0);
    const service = (port: number) => ({
      ...upstream("hs", port),
      path: "/apisix/admin/services/hs",
      body: { upstream_id: blueId, labels: ours },
      health_check: {
        service_id: "hs",
        path: "/healthz",
        expect_status: 200,
        timeout_ms: 2_000,
        targets: { blue: [{ scheme: "http", host: "127.0.0.1", port }] },
      },
    });
    const healthy = await runHook("apply", service(backend.port));
    expect(healthy.code).toBe(0);
    expect(backend.probes).toBe(1);
    expect(gw.store.get("services", "hs")?.value.upstream_id).toBe(blueId);

    const down = await closedPort();
    const refused = await runHook("apply", { ...service(down), body: { upstream_id: blueId, labels: ours, desc: "not written" } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`GET /healthz -> no answer: connect ECONNREFUSED 127.0.0.1:${down}`);
    expect(gw.store.get("services", "hs")?.value.desc).toBeUndefined();
  } finally {
    await backend.close();
  }
});
