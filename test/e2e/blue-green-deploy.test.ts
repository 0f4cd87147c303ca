/**
 * End to end, issue 3: real Terraform applies the synthesized stack, the hooks call the embedded gateway's Admin
 * API, and real requests through the gateway's proxy land on real loopback backends.
 */
import "cdktf/lib/testing/adapters/jest";
import { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway } from "../../lib/gateway";
import { startBackends } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { adminGet, countLandings } from "../helper/traffic";

jest.setTimeout(180_000);

const ADMIN_KEY = "e2e-Secret-Admin-Key-7f3a9c";

type Flavor = "apisix" | "api7-ee";

interface Scenario {
  active: "blue" | "green";
  routes?: Array<{ id: string; routeId: string; paths: string[] }>;
}

const DEFAULT_ROUTES = [
  { id: "headers", routeId: "blue-green-route", paths: ["/headers"] },
  { id: "api", routeId: "api-route", paths: ["/api/*"] },
];

describe.each<Flavor>(["apisix", "api7-ee"])("blue-green deploy with terraform (%s)", (flavor) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let backends: Awaited<ReturnType<typeof startBackends>>;
  let ws: TerraformWorkspace;
  const groupQuery = flavor === "api7-ee" ? "?gateway_group_id=default" : "";

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor });
    backends = await startBackends(["blue", "green"]);
    ws = new TerraformWorkspace(`deploy-${flavor}`, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all((backends ?? []).map((b) => b.close()));
    ws?.cleanup();
  });

  function synth(scenario: Scenario): void {
    const [blue, green] = backends;
    ws.synth((stack: TerraformStack) => {
      const connection = new GatewayConnection(stack, "gateway", {
        adminUrl: gateway.adminUrl,
        flavor,
        gatewayGroupId: flavor === "api7-ee" ? "default" : undefined,
      });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "blue-green-service",
        blue: { nodes: [{ host: blue.host, port: blue.port }], scheme: "http", passHost: "node" },
        green: { nodes: [{ host: green.host, port: green.port }], scheme: "http", passHost: "node" },
        active: scenario.active,
        preview: { header: "X-Env" },
      });
      for (const r of scenario.routes ?? DEFAULT_ROUTES) {
        new BlueGreenRoute(stack, r.id, { service, routeId: r.routeId, methods: ["GET"], paths: r.paths });
      }
    });
  }

  async function landings(headers: Record<string, string> = {}) {
    return {
      headers: await countLandings(`${gateway.proxyUrl}/headers`, 10, headers),
      api: await countLandings(`${gateway.proxyUrl}/api/orders`, 10, headers),
    };
  }

  /** Every plan, apply and destroy output of the run, scanned for the key at the end. */
  const terraformOutputs: string[] = [];

  async function applyOk() {
    const result = await ws.apply();
    terraformOutputs.push(result.output);
    if (result.code !== 0) throw new Error(`terraform apply failed:\n${result.output}`);
    return result;
  }

  test("deploy blue, flip to green, preview, revert, rename, destroy", async () => {
    synth({ active: "blue" });
    await applyOk();
    expect(await landings()).toEqual({ headers: { blue: 10 }, api: { blue: 10 } });
    expect(await landings({ "X-Env": "green" })).toEqual({ headers: { green: 10 }, api: { green: 10 } });

    // the flip: the plan replaces only the service object and shows the traffic of each color changing
    synth({ active: "green" });
    const plan = await ws.plan();
    terraformOutputs.push(plan.output);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy/);
    expect(plan.stdout).toMatch(/~ green\s+= 0 -> 100/);
    expect(plan.stdout).toMatch(/~ blue\s+= 100 -> 0/);
    await applyOk();
    expect(await landings()).toEqual({ headers: { green: 10 }, api: { green: 10 } });
    expect(await landings({ "X-Env": "blue" })).toEqual({ headers: { blue: 10 }, api: { blue: 10 } });

    // every object survived the flip (create_before_destroy never runs the destroy hook)
    const routes = await adminGet(gateway.adminUrl, `/apisix/admin/routes${groupQuery}`, ADMIN_KEY);
    expect(routes.body.total).toBe(2);

    // rollback is a revert of the one-word change
    synth({ active: "blue" });
    await applyOk();
    expect(await landings()).toEqual({ headers: { blue: 10 }, api: { blue: 10 } });

    // renaming a route deletes the old object on the gateway
    synth({
      active: "blue",
      routes: [DEFAULT_ROUTES[0], { id: "api", routeId: "api-route-v2", paths: ["/api/*"] }],
    });
    await applyOk();
    const old = await adminGet(gateway.adminUrl, `/apisix/admin/routes/api-route${groupQuery}`, ADMIN_KEY);
    expect(old.status).toBe(404);
    const renamed = await adminGet(gateway.adminUrl, `/apisix/admin/routes/api-route-v2${groupQuery}`, ADMIN_KEY);
    expect(renamed.status).toBe(200);
    expect(await landings()).toEqual({ headers: { blue: 10 }, api: { blue: 10 } });

    // the key is nowhere in synth output or state (and the state really is there, holding our objects)
    expect(ws.state()).toContain("blue-green-service");
    expect(ws.state()).not.toContain(ADMIN_KEY);
    expect(ws.allText()).not.toContain(ADMIN_KEY);

    const destroyed = await ws.destroy();
    expect(destroyed.code).toBe(0);
    terraformOutputs.push(destroyed.output);
    // the hooks' own lines are in these outputs: they name paths and constructs, never the key
    expect(terraformOutputs.join("\n")).toContain("bluegreen: PUT /apisix/admin/services/blue-green-service");
    expect(terraformOutputs.join("\n")).not.toContain(ADMIN_KEY);
    for (const kind of ["routes", "services"]) {
      const list = await adminGet(gateway.adminUrl, `/apisix/admin/${kind}${groupQuery}`, ADMIN_KEY);
      expect({ kind, total: list.body.total }).toEqual({ kind, total: 0 });
    }
    if (flavor === "apisix") {
      const ups = await adminGet(gateway.adminUrl, `/apisix/admin/upstreams`, ADMIN_KEY);
      expect(ups.body.total).toBe(0);
    }
    expect(await countLandings(`${gateway.proxyUrl}/headers`, 1)).toEqual({ "status 404": 1 });
  });
});
