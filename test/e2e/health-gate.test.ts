/**
 * End to end: the health gate through real Terraform. Blue is deployed and healthy, green's /healthz answers 503,
 * the flip's `terraform apply` fails with the hook's message and every request still lands on blue; once green is
 * healthy, the next apply moves every request to green.
 */
import { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway } from "../../lib/gateway";
import { type HealthBackend, startHealthBackend } from "../hook/health-backends";
import { TerraformWorkspace } from "../helper/terraform";
import { countLandings } from "../helper/traffic";

jest.setTimeout(180_000);

const ADMIN_KEY = "e2e-Health-Gate-Key-93b1d2";

describe.each<"apisix" | "api7-ee">(["apisix", "api7-ee"])("health gate with terraform (%s)", (flavor) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let blue: HealthBackend;
  let green: HealthBackend;
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor });
    [blue, green] = await Promise.all([startHealthBackend("blue"), startHealthBackend("green")]);
    ws = new TerraformWorkspace(`health-${flavor}`, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all([blue?.close(), green?.close()]);
    ws?.cleanup();
  });

  function synth(active: "blue" | "green"): void {
    ws.synth((stack: TerraformStack) => {
      const connection = new GatewayConnection(stack, "gateway", {
        adminUrl: gateway.adminUrl,
        flavor,
        gatewayGroupId: flavor === "api7-ee" ? "default" : undefined,
        retryBudgetMs: 2_000,
      });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "shop",
        blue: { nodes: [{ host: blue.host, port: blue.port }], passHost: "node" },
        green: { nodes: [{ host: green.host, port: green.port }], passHost: "node" },
        active,
        healthCheck: { path: "/healthz" },
      });
      new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
    });
  }

  const landings = () => countLandings(`${gateway.proxyUrl}/shop/cart`, 20);

  test("an unhealthy green stops the flip; a healthy green takes it", async () => {
    synth("blue");
    const first = await ws.apply();
    expect({ code: first.code, output: first.code === 0 ? "" : first.output }).toEqual({ code: 0, output: "" });
    expect(first.output).toContain(`bluegreen: health check passed: GET /healthz -> 200 from blue node 127.0.0.1:${blue.port}`);
    expect(await landings()).toEqual({ blue: 20 });

    green.health = 503;
    synth("green");
    const failed = await ws.apply();
    expect(failed.code).not.toBe(0);
    expect(failed.output).toContain(
      `bluegreen: health check failed for green node 127.0.0.1:${green.port}: GET /healthz -> 503 (expected 200) ` +
        `(construct e2e/service)`,
    );
    expect(failed.output).toMatch(
      flavor === "apisix"
        ? /bluegreen: health check: 1 of 1 node failed \(GET \/healthz, expected 200 within 2000 ms\); PUT \/apisix\/admin\/services\/shop was not sent, so traffic stays as it is: service shop still points at upstreams shop-blue-[0-9a-f]{8} and shop-green-[0-9a-f]{8}, as before;/
        : /bluegreen: health check: 1 of 1 node failed \(GET \/healthz, expected 200 within 2000 ms\); PUT \/apisix\/admin\/services\/shop\?gateway_group_id=default was not sent, so traffic stays as it is: service shop keeps the upstreams and weights it has;/,
    );
    expect(failed.output).not.toMatch(/bluegreen: PUT \/apisix\/admin\/services\/shop\S* -> /);
    expect(await landings()).toEqual({ blue: 20 });

    green.health = 200;
    const retried = await ws.apply();
    expect({ code: retried.code, output: retried.code === 0 ? "" : retried.output }).toEqual({ code: 0, output: "" });
    expect(retried.output).toContain(`bluegreen: health check passed: GET /healthz -> 200 from green node 127.0.0.1:${green.port}`);
    expect(await landings()).toEqual({ green: 20 });
  });
});
