/**
 * The embedded gateway as a child process, SIGKILLed and restarted from its state file on the same ports:
 *
 * - between deploys: everything is still there and traffic is right, before and after a flip;
 * - during an apply (right after the gateway acknowledged the service write, while that hook is still verifying):
 *   the state file parses, every write the gateway acknowledged (2xx) is in it, and re-running apply converges;
 * - directly: many concurrent admin writes, SIGKILL mid-stream: the state file is valid and holds every
 *   acknowledged write.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { request } from "undici";
import { loadStateFile } from "../../lib/gateway/state-file";
import { startBackends, type Backend } from "../helper/backends";
import { freePort, startGatewayProcess, type GatewayProcess, type GatewayProcessOptions } from "../helper/gateway-process";
import { TerraformWorkspace } from "../helper/terraform";
import { adminGet } from "../helper/traffic";
import { everyRoute, expectFailed, expectOk, landingsPerRoute, snapshot, synthDeploy } from "./harness";

jest.setTimeout(120_000);

const KEY = "faults-Restart-Admin-Key-1b9f04";
const ROUTES = ["orders", "cart"];

let backends: Backend[];
let tmp: string;
const running = new Set<GatewayProcess>();

beforeAll(async () => {
  backends = await startBackends(["blue", "green"]);
  tmp = mkdtempSync(path.join(tmpdir(), "bg-faults-restart-"));
});

afterAll(async () => {
  for (const gw of running) await gw.kill("SIGKILL");
  await Promise.all((backends ?? []).map((b) => b.close()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function gatewayOptions(name: string): Promise<GatewayProcessOptions> {
  return { adminPort: await freePort(), proxyPort: await freePort(), adminKey: KEY, stateFile: path.join(tmp, `${name}.json`) };
}

async function start(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(options);
  running.add(gw);
  void gw.exited.then(() => running.delete(gw));
  return gw;
}

async function sigkill(gw: GatewayProcess): Promise<void> {
  expect(await gw.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
}

/** Parses the state file both ways: as plain JSON and through the gateway's own loader. */
async function readState(file: string) {
  const json = JSON.parse(readFileSync(file, "utf8"));
  const state = await loadStateFile(file);
  expect(state).toBeDefined();
  return { json, state: state! };
}

test("SIGKILL between deploys: restarted from the state file, everything is still there and traffic is right", async () => {
  const options = await gatewayOptions("between");
  let gw = await start(options);
  const ws = new TerraformWorkspace("faults-kill-between", { GATEWAY_ADMIN_KEY: KEY });
  try {
    const spec = { adminUrl: gw.adminUrl, routes: ROUTES, backends };
    synthDeploy(ws, { ...spec, active: "blue" });
    expectOk(await ws.apply());
    const deployed = await snapshot(gw.adminUrl, KEY);

    await sigkill(gw);
    gw = await start(options);
    expect(gw.adminUrl).toBe(spec.adminUrl);
    expect(await snapshot(gw.adminUrl, KEY)).toEqual(deployed);
    expect(await landingsPerRoute(gw.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { blue: 10 }));

    synthDeploy(ws, { ...spec, active: "green" });
    expectOk(await ws.apply());
    const flipped = await snapshot(gw.adminUrl, KEY);
    expect(flipped).not.toEqual(deployed);

    await sigkill(gw);
    gw = await start(options);
    expect(await snapshot(gw.adminUrl, KEY)).toEqual(flipped);
    expect(await landingsPerRoute(gw.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { green: 10 }));
    expect((await ws.plan()).stdout).toContain("No changes.");
  } finally {
    await gw.kill("SIGKILL");
    ws.cleanup();
  }
});

test("SIGKILL during an apply: the state file parses, every acknowledged write is in it, re-running apply converges", async () => {
  const options = await gatewayOptions("during");
  const acked: string[] = [];
  let killed = false;
  let gw: GatewayProcess | undefined;
  const onStderrLine = (line: string) => {
    const m = /^bluegreen gateway: admin (PUT|POST|PATCH|DELETE) (\S+) (2\d\d) /.exec(line);
    if (!m) return;
    acked.push(`${m[1]} ${m[2]}`);
    // kill right after the service write is acknowledged: its hook is still reading it back, the routes are next
    if (!killed && m[1] === "PUT" && m[2] === "/apisix/admin/services/checkout") {
      killed = true;
      gw?.child.kill("SIGKILL");
    }
  };
  gw = await start({ ...options, verbose: true, onStderrLine });
  const ws = new TerraformWorkspace("faults-kill-during", { GATEWAY_ADMIN_KEY: KEY });
  try {
    synthDeploy(ws, { adminUrl: gw.adminUrl, routes: ROUTES, backends, active: "blue", retryBudgetMs: 1_500 });
    const failed = expectFailed(await ws.apply());
    expect(await gw.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(killed).toBe(true);
    expect(failed.output).toContain(`bluegreen: could not reach the gateway at ${gw.adminUrl}`);

    // every acknowledged write is in the state file (the upstreams and the service; no route was reached)
    expect(acked.sort()).toEqual([
      "PUT /apisix/admin/services/checkout",
      expect.stringMatching(/^PUT \/apisix\/admin\/upstreams\/checkout-blue-[0-9a-f]{8}$/),
      expect.stringMatching(/^PUT \/apisix\/admin\/upstreams\/checkout-green-[0-9a-f]{8}$/),
    ]);
    const { state } = await readState(options.stateFile);
    expect(Object.keys(state.upstreams).sort()).toEqual(acked.slice(1).map((w) => w.split("/").pop()));
    expect(Object.keys(state.services)).toEqual(["checkout"]);
    expect(state.routes).toEqual({});

    gw = await start(options);
    for (const write of acked) {
      const res = await adminGet(gw.adminUrl, write.split(" ")[1], KEY);
      expect({ write, status: res.status }).toEqual({ write, status: 200 });
    }
    expectOk(await ws.apply());
    expect(await landingsPerRoute(gw.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { blue: 10 }));
    expect((await ws.plan()).stdout).toContain("No changes.");
  } finally {
    await gw?.kill("SIGKILL");
    ws.cleanup();
  }
});

describe.each<"apisix" | "api7-ee">(["apisix", "api7-ee"])("concurrent admin writes, SIGKILL mid-stream (%s)", (flavor) => {
  test("the state file is valid and holds every acknowledged write", async () => {
    const options: GatewayProcessOptions = { ...(await gatewayOptions(`stream-${flavor}`)), flavor };
    let gw = await start(options);
    const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";
    // API7 EE routes need a service; there the stream writes services instead
    const kind = flavor === "api7-ee" ? "services" : "routes";
    const TOTAL = 400;
    const CONCURRENCY = 16;
    const KILL_AFTER = 120;
    /** Acknowledged writes: stored key -> the desc the gateway acknowledged. */
    const acked = new Map<string, string>();
    let failedAfterKill = 0;
    let next = 0;
    let killing: Promise<unknown> | undefined;

    const writeOne = async (i: number) => {
      const desc = `write-${i}`;
      const upstream = { type: "roundrobin", nodes: { "127.0.0.1:1980": 1 } };
      const body = kind === "routes" ? { uri: `/w/${i}`, desc, upstream } : { name: `w${i}`, desc, upstream };
      const post = i % 3 === 2; // every third write is a POST (generated id)
      const url = post ? `${gw.adminUrl}/apisix/admin/${kind}${q}` : `${gw.adminUrl}/apisix/admin/${kind}/w${i}${q}`;
      try {
        const res = await request(url, {
          method: post ? "POST" : "PUT",
          headers: { "x-api-key": KEY, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const text = await res.body.text();
        if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`write ${i} answered ${res.statusCode}: ${text}`);
        const id = String(JSON.parse(text).value.id);
        acked.set(id, desc);
      } catch (err) {
        if (!killing) throw err;
        failedAfterKill++;
      }
      if (!killing && acked.size >= KILL_AFTER) killing = gw.kill("SIGKILL");
    };
    const worker = async () => {
      while (next < TOTAL && !killing) await writeOne(next++);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(killing).toBeDefined();
    expect(await gw.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acked.size).toBeLessThan(TOTAL);

    const { json, state } = await readState(options.stateFile);
    expect(json.format).toBe("bluegreen-gateway-state/v1");
    for (const [id, desc] of acked) {
      expect({ id, desc: state[kind][id]?.value.desc }).toEqual({ id, desc });
    }
    // nothing but the state file and, at most, the one temp file a killed write was preparing
    const others = readdirSync(tmp).filter((f) => f.includes(`stream-${flavor}`) && f !== `stream-${flavor}.json`);
    expect(others.length).toBeLessThanOrEqual(1);

    gw = await start(options);
    try {
      for (const [id, desc] of acked) {
        const res = await adminGet(gw.adminUrl, `/apisix/admin/${kind}/${id}${q}`, KEY);
        expect({ id, status: res.status, desc: res.body?.value?.desc }).toEqual({ id, status: 200, desc });
      }
      // and the restarted gateway accepts new writes on top of the restored revision
      const res = await request(`${gw.adminUrl}/apisix/admin/${kind}/after-restart${q}`, {
        method: "PUT",
        headers: { "x-api-key": KEY, "content-type": "application/json" },
        body: JSON.stringify({ name: "after", ...(kind === "routes" ? { uri: "/after" } : {}), upstream: { type: "roundrobin", nodes: { "127.0.0.1:1980": 1 } } }),
      });
      expect(res.statusCode).toBe(201);
      await res.body.text();
    } finally {
      await gw.kill("SIGKILL");
    }
  });
});
