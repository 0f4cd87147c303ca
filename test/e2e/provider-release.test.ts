/**
 * Issue 12: the health gate and verified releases through the provider engine (real Terraform, the embedded gateway
 * with its metrics, both flavours). The provider runs from the stack folder's terraform.d/plugins copy, where the
 * release guardian it starts lies beside the bundle. A flip to a broken green is refused by the health gate (nothing
 * written, blue keeps the traffic); once green is healthy the flip is a verified release: 50%, then 100%.
 */
import type { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { AdminClient } from "../../lib/client/admin-client";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { startBackend, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { countLandings } from "../helper/traffic";
import { watchWeights } from "../release/release-harness";

jest.setTimeout(240_000);

const ADMIN_KEY = "provider-release-Secret-91d4";

describe.each(["apisix", "api7-ee"] as const)("health gate and verified release through the provider (%s)", (flavor) => {
  let blue: Backend;
  let green: Backend;
  let gw: RunningGateway;
  let client: AdminClient;
  let ws: TerraformWorkspace;
  const faults = new AdminFaults();
  const gatewayGroupId = flavor === "api7-ee" ? "default" : undefined;
  const servicePath = `/apisix/admin/services/shop${gatewayGroupId === undefined ? "" : "?gateway_group_id=default"}`;

  beforeAll(async () => {
    [blue, green] = await Promise.all([startBackend("blue", { host: "127.0.0.2" }), startBackend("green", { host: "127.0.0.3" })]);
    gw = await startGateway({ adminPort: 0, proxyPort: 0, metricsPort: 0, adminKey: ADMIN_KEY, flavor, faults });
    client = new AdminClient({ adminUrl: gw.adminUrl, flavor, gatewayGroupId, adminKey: ADMIN_KEY });
    ws = new TerraformWorkspace(`provider-release-${flavor}`, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  });
  afterAll(async () => {
    await client?.close();
    await gw?.close();
    await Promise.all([blue?.close(), green?.close()]);
    ws?.cleanup();
  });

  function synth(active: "blue" | "green"): void {
    ws.synth((stack: TerraformStack) => {
      const connection = new GatewayConnection(stack, "gateway", {
        adminUrl: gw.adminUrl,
        proxyUrl: gw.proxyUrl,
        engine: "provider",
        retryBudgetMs: 2_000,
        ...(gatewayGroupId === undefined ? {} : { flavor, gatewayGroupId }),
      });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "shop",
        blue: { nodes: [{ host: blue.host, port: blue.port }], passHost: "node" },
        green: { nodes: [{ host: green.host, port: green.port }], passHost: "node" },
        active,
        healthCheck: { path: "/healthz" },
        release: {
          steps: [50],
          stepIntervalSec: 1,
          checks: [{ path: "/shop/health", count: 4 }],
          analysis: { exporterUrls: [gw.metricsUrl], minSuccessRatePercent: 99, minRequests: 1 },
        },
      });
      new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
    });
  }

  const servicePuts = () => faults.seen.filter((r) => r.method === "PUT" && r.path === "/apisix/admin/services/shop").length;

  test("a broken green is refused by the health gate; a healthy one is released step by step", async () => {
    synth("blue");
    const first = await ws.apply();
    expect({ code: first.code, output: first.code === 0 ? "" : first.output }).toEqual({ code: 0, output: "" });
    expect(await countLandings(`${gw.proxyUrl}/shop/x`, 10)).toEqual({ blue: 10 });

    // the health gate: green answers 503, nothing is written, blue keeps the traffic, the flip stays planned
    synth("green");
    green.status = 503;
    faults.seen.length = 0;
    const refused = await ws.apply();
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/health check: 1 of 1 node failed .*was not sent/s);
    expect(refused.output).toContain(`127.0.0.3:${green.port}`);
    expect(refused.output).not.toContain(ADMIN_KEY);
    expect(servicePuts()).toBe(0);
    expect(await countLandings(`${gw.proxyUrl}/shop/x`, 10)).toEqual({ blue: 10 });
    expect((await ws.plan()).output).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");

    // a healthy green: a verified release, 50% then 100%, through the guardian laid beside the provider
    green.status = 200;
    faults.seen.length = 0;
    const weights = watchWeights(client, servicePath);
    const released = await ws.apply();
    const held = await weights.stop();
    expect({ code: released.code, output: released.code === 0 ? "" : released.output }).toEqual({ code: 0, output: "" });
    expect(held).toEqual([
      { green: 0, blue: 100 },
      { green: 50, blue: 50 },
      { green: 100, blue: 0 },
    ]);
    expect(servicePuts()).toBe(2);
    expect(await countLandings(`${gw.proxyUrl}/shop/x`, 10)).toEqual({ green: 10 });
    expect((await ws.plan()).output).toContain("No changes.");

    const destroyed = await ws.destroy();
    expect({ code: destroyed.code, output: destroyed.code === 0 ? "" : destroyed.output }).toEqual({ code: 0, output: "" });
  });
});
