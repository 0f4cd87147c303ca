/**
 * End to end: verified releases through real Terraform. The embedded gateway (with its metrics listener), blue on
 * 127.0.0.2 and green on 127.0.0.3 (so the metrics' `node` label tells them apart), a service with `release` (one
 * step of 50%, 1 s windows, checks and the analysis of the exporter), deployed on blue first (not a release). Then:
 * a broken green is restored by itself and the flip stays planned; a healthy green passes step by step; SIGINT to
 * Terraform during a step restores blue; `BLUEGREEN_RELEASE=immediate` writes once.
 */
import type { ChildProcess } from "node:child_process";
import { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { startBackend, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { countLandings } from "../helper/traffic";
import { mainWeights, startPhasedLoad, tally, waitForExit, watchWeights } from "../release/release-harness";
import { AdminClient } from "../../lib/client/admin-client";

jest.setTimeout(240_000);

const ADMIN_KEY = "e2e-Verified-Release-Key-5c81";
type Flavor = "apisix" | "api7-ee";

interface Fixture {
  readonly flavor: Flavor;
  readonly gw: RunningGateway;
  readonly faults: AdminFaults;
  readonly client: AdminClient;
  readonly ws: TerraformWorkspace;
  readonly servicePath: string;
}

let blue: Backend;
let green: Backend;
beforeAll(async () => {
  [blue, green] = await Promise.all([startBackend("blue", { host: "127.0.0.2" }), startBackend("green", { host: "127.0.0.3" })]);
});
afterAll(async () => {
  await Promise.all([blue?.close(), green?.close()]);
});

const fixtures: Fixture[] = [];
afterEach(async () => {
  for (const fx of fixtures.splice(0)) {
    await fx.client.close();
    await fx.gw.close();
    fx.ws.cleanup();
  }
  blue.status = green.status = 200;
  blue.delayMs = green.delayMs = 0;
});

/** A gateway of `flavor` with the service `shop` deployed on blue (its first write, not a release). */
async function deployedOnBlue(flavor: Flavor, steps: number[] = [50], stepIntervalSec = 1): Promise<Fixture & { synth(active: "blue" | "green"): void }> {
  const faults = new AdminFaults();
  const gw = await startGateway({ adminPort: 0, proxyPort: 0, metricsPort: 0, adminKey: ADMIN_KEY, flavor, faults });
  const gatewayGroupId = flavor === "api7-ee" ? "default" : undefined;
  const client = new AdminClient({ adminUrl: gw.adminUrl, flavor, gatewayGroupId, adminKey: ADMIN_KEY });
  const ws = new TerraformWorkspace(`release-${flavor}`, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  const servicePath = flavor === "apisix" ? "/apisix/admin/services/shop" : "/apisix/admin/services/shop?gateway_group_id=default";
  const fx = { flavor, gw, faults, client, ws, servicePath };
  fixtures.push(fx);
  const synth = (active: "blue" | "green") =>
    ws.synth((stack: TerraformStack) => {
      const connection = new GatewayConnection(stack, "gateway", {
        adminUrl: gw.adminUrl,
        proxyUrl: gw.proxyUrl,
        flavor,
        gatewayGroupId,
        retryBudgetMs: 2_000,
      });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "shop",
        blue: { nodes: [{ host: blue.host, port: blue.port }], passHost: "node" },
        green: { nodes: [{ host: green.host, port: green.port }], passHost: "node" },
        active,
        release: {
          steps,
          stepIntervalSec,
          checks: [{ path: "/shop/health", count: 4 }],
          analysis: { exporterUrls: [gw.metricsUrl], minSuccessRatePercent: 99, minRequests: 1 },
        },
      });
      new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
    });
  synth("blue");
  const first = await ws.apply();
  expect({ code: first.code, output: first.code === 0 ? "" : first.output }).toEqual({ code: 0, output: "" });
  expect(first.output).not.toContain("guardian pid"); // the first write of a service is not a release
  expect(await countLandings(`${gw.proxyUrl}/shop/x`, 10)).toEqual({ blue: 10 });
  faults.seen.length = 0;
  return { ...fx, synth };
}

/** The guardian pid the release announced (it exits by itself). */
function guardianPid(output: string): number | undefined {
  const m = /guardian pid (\d+) restores/.exec(output);
  return m === null ? undefined : Number(m[1]);
}

const servicePuts = (fx: Fixture) => fx.faults.seen.filter((s) => s.method === "PUT" && s.path === fx.servicePath.split("?")[0]).length;

describe.each<Flavor>(["apisix", "api7-ee"])("verified release with terraform (%s)", (flavor) => {
  test("a broken green is restored by itself, the flip stays planned, and a fixed green takes it", async () => {
    const fx = await deployedOnBlue(flavor);
    green.status = 500;
    fx.synth("green");
    const load = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 2);
    load.phase = "apply";
    const failed = await fx.ws.apply();
    load.phase = "after";
    await new Promise((r) => setTimeout(r, 300));
    const seen = tally(await load.stop());
    expect(failed.code).not.toBe(0);
    expect(failed.output).toMatch(
      /bluegreen: release of e2e\/service stopped at step 50%: .+; restored blue 100% \(verified\)/,
    );
    // right after the deploy, every request reaches blue; 5xx only while the failing step was live
    expect(await countLandings(`${fx.gw.proxyUrl}/shop/x`, 20)).toEqual({ blue: 20 });
    expect(seen.apply["status 500"]).toBeGreaterThan(0);
    expect(Object.keys(seen.after)).toEqual(["blue"]);
    await waitForExit(guardianPid(failed.output));

    const plan = await fx.ws.plan();
    expect(plan.output).toMatch(/is tainted, so must be replaced/);

    green.status = 200;
    const load2 = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 2);
    const retried = await fx.ws.apply();
    await load2.stop();
    expect({ code: retried.code, output: retried.code === 0 ? "" : retried.output }).toEqual({ code: 0, output: "" });
    expect(await countLandings(`${fx.gw.proxyUrl}/shop/x`, 20)).toEqual({ green: 20 });
    await waitForExit(guardianPid(retried.output));
  });

  test("a healthy green passes step by step: the gateway holds 50% then 100%", async () => {
    const fx = await deployedOnBlue(flavor);
    fx.synth("green");
    const load = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 2);
    const weights = watchWeights(fx.client, fx.servicePath);
    const result = await fx.ws.apply();
    const held = await weights.stop();
    const seen = tally(await load.stop());
    expect({ code: result.code, output: result.code === 0 ? "" : result.output }).toEqual({ code: 0, output: "" });
    expect(held).toEqual([
      { green: 0, blue: 100 },
      { green: 50, blue: 50 },
      { green: 100, blue: 0 },
    ]);
    expect(servicePuts(fx)).toBe(2);
    expect(result.output).toMatch(/bluegreen: shop green 50% — \d+ requests?, 100\.0% ok.*\(step 1\/2, \d+ s\)/);
    expect(result.output).toMatch(/bluegreen: shop green 100% — \d+ requests?, 100\.0% ok.*\(step 2\/2, \d+ s\)/);
    expect(Object.keys(seen.before).sort()).toEqual(["blue", "green"]);
    expect(await countLandings(`${fx.gw.proxyUrl}/shop/x`, 20)).toEqual({ green: 20 });
    await waitForExit(guardianPid(result.output));
  });
});

describe("verified release with terraform (apisix): interrupts and the emergency path", () => {
  test("SIGINT to terraform during a step restores blue; the next apply converges", async () => {
    const fx = await deployedOnBlue("apisix", [20, 50], 3);
    fx.synth("green");
    const load = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 2);
    let terraform: ChildProcess | undefined;
    let interrupted = false;
    const result = await fx.ws.apply({}, (child) => {
      terraform = child;
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        // step 1 watched and passed: step 2 (50%) is live now
        if (!interrupted && /bluegreen: shop green 20% — /.test(out)) {
          interrupted = true;
          child.kill("SIGINT");
        }
      });
    });
    await load.stop();
    expect(interrupted).toBe(true);
    expect(terraform).toBeDefined();
    expect(result.code).not.toBe(0);
    // Terraform SIGKILLs the `sh -c` only: the orphaned hook sees its parent gone and puts blue back (its guardian
    // would, were the hook killed too): poll the gateway, bounded
    const deadline = Date.now() + 30_000;
    let weights = mainWeights(await fx.client.get(fx.servicePath));
    while (weights.blue !== 100 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      weights = mainWeights(await fx.client.get(fx.servicePath));
    }
    expect(weights).toEqual({ green: 0, blue: 100 });
    await waitForExit(guardianPid(result.output), 30_000);
    expect(await countLandings(`${fx.gw.proxyUrl}/shop/x`, 10)).toEqual({ blue: 10 });

    const load2 = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 2);
    const again = await fx.ws.apply();
    await load2.stop();
    expect({ code: again.code, output: again.code === 0 ? "" : again.output }).toEqual({ code: 0, output: "" });
    expect(await countLandings(`${fx.gw.proxyUrl}/shop/x`, 10)).toEqual({ green: 10 });
    await waitForExit(guardianPid(again.output));
  });

  test("BLUEGREEN_RELEASE=immediate skips steps, checks and analysis: one write", async () => {
    const fx = await deployedOnBlue("apisix");
    fx.synth("green");
    const result = await fx.ws.apply({ BLUEGREEN_RELEASE: "immediate" });
    expect({ code: result.code, output: result.code === 0 ? "" : result.output }).toEqual({ code: 0, output: "" });
    expect(result.output).toContain("bluegreen: BLUEGREEN_RELEASE=immediate: release of e2e/service skips steps, checks and analysis (one verified write)");
    expect(result.output).not.toContain("guardian pid");
    expect(servicePuts(fx)).toBe(1);
    expect(await countLandings(`${fx.gw.proxyUrl}/shop/x`, 10)).toEqual({ green: 10 });
  });
});
