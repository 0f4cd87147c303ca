/**
 * `NODE_EXTRA_CA_CERTS` and the hooks, through real Terraform. Node 20 reads the file it names at every start, so a
 * create-time hook whose request can open no TLS connection runs with it emptied (lib/constructs/hook-resource.ts):
 * an http stack's hooks never read it (Node's warning about an unreadable file never shows), while an https stack's
 * hooks keep it and trust a gateway whose CA is only there.
 */
import path from "node:path";
import { spawnSync } from "node:child_process";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { startBackends, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { forwardTo, type SelfSignedServer, startSelfSignedServer } from "../helper/tls-server";
import { adminGet } from "../helper/traffic";
import { SERVICE_ID, synthDeploy } from "../faults/harness";

jest.setTimeout(240_000);

const KEY = "e2e-ExtraCa-Admin-Key-5d81f2";
/** Node's start-up warning for a `NODE_EXTRA_CA_CERTS` file it cannot read. */
const IGNORED = /Ignoring extra certs from/;

let backends: Backend[];
let gateway: RunningGateway;
let front: SelfSignedServer;
const workspaces: TerraformWorkspace[] = [];

beforeAll(async () => {
  backends = await startBackends(["blue", "green"]);
  gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY });
  front = await startSelfSignedServer(forwardTo(gateway.adminUrl));
});

afterAll(async () => {
  for (const ws of workspaces) {
    await ws.destroy().catch(() => undefined);
    ws.cleanup();
  }
  await front?.close();
  await gateway?.close();
  await Promise.all((backends ?? []).map((b) => b.close()));
});

/** A stack of one service and one route on `adminUrl`, whose Terraform runs get `env`. */
function workspace(name: string, adminUrl: string, env: Record<string, string>): TerraformWorkspace {
  const ws = new TerraformWorkspace(name, { GATEWAY_ADMIN_KEY: KEY, ...env });
  workspaces.push(ws);
  synthDeploy(ws, { adminUrl, active: "blue", routes: ["r1"], backends });
  return ws;
}

test("an http gateway: the hooks start without reading the extra CA file", async () => {
  const missing = { NODE_EXTRA_CA_CERTS: path.join(front.dir, "no-such-ca.pem") };
  // what every other Node process started with this environment prints
  const plain = spawnSync(process.execPath, ["-e", ""], { env: { ...process.env, ...missing }, encoding: "utf8" });
  expect(plain.stderr).toMatch(IGNORED);

  const ws = workspace("extra-ca-http", gateway.adminUrl, missing);
  const applied = await ws.apply();
  expect(applied.code).toBe(0);
  expect(applied.output).toMatch(/PUT \/apisix\/admin\/services\/\S+ -> 201 \(verified\)/);
  expect(applied.output).not.toMatch(IGNORED);
  expect((await adminGet(gateway.adminUrl, `/apisix/admin/services/${SERVICE_ID}`, KEY)).status).toBe(200);
  // destroy hooks keep the variable (they send the request held in the state): Node warns, the objects go
  const destroyed = await ws.destroy();
  expect(destroyed.code).toBe(0);
  expect(destroyed.output).toMatch(IGNORED);
  expect((await adminGet(gateway.adminUrl, `/apisix/admin/services/${SERVICE_ID}`, KEY)).status).toBe(404);
});

test("an https gateway whose CA is only in NODE_EXTRA_CA_CERTS: the hooks keep it and trust the gateway", async () => {
  const ws = workspace("extra-ca-https", front.url, { NODE_EXTRA_CA_CERTS: front.caFile });
  const applied = await ws.apply();
  expect(applied.code).toBe(0);
  expect(applied.output).toMatch(/PUT \/apisix\/admin\/routes\/r1 -> 20\d \(verified\)/);
  // the destroy hooks keep it too: every object deleted through the TLS front
  const destroyed = await ws.destroy();
  expect(destroyed.code).toBe(0);
  expect((await adminGet(gateway.adminUrl, "/apisix/admin/routes/r1", KEY)).status).toBe(404);
});
