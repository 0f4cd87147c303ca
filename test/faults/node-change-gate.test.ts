/**
 * Changing the nodes of the live color under a failing health gate, through real Terraform, while a load of real
 * requests runs through the gateway: the new node's `/healthz` answers 503 (every other request it would answer 200,
 * so a request that reached it would be counted). No live request may land on the new, unchecked node during the
 * apply; the apply fails with the gate's message naming the node and the upstreams the service still points at; the
 * old node keeps serving. Once the new node is healthy, the next apply moves the traffic and the sweep deletes the
 * upstream object of the old nodes.
 */
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { type HealthBackend, startHealthBackend } from "../hook/health-backends";
import { TerraformWorkspace } from "../helper/terraform";
import { adminGet, startLoad } from "../helper/traffic";
import { everyRoute, expectFailed, expectOk, flat, landingsPerRoute, SERVICE_ID, snapshot, synthDeploy, type Flavor } from "./harness";

jest.setTimeout(180_000);

const KEY = "faults-Node-Change-Key-4c9e21";
const ROUTES = ["orders"];

describe.each<Flavor>(["apisix", "api7-ee"])("node change of the active color under a failing gate (%s)", (flavor) => {
  let gateway: RunningGateway;
  let blue: HealthBackend;
  let green: HealthBackend;
  let fresh: HealthBackend;
  const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor });
    [blue, green, fresh] = await Promise.all([startHealthBackend("blue"), startHealthBackend("green"), startHealthBackend("fresh")]);
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all([blue, green, fresh].map((b) => b?.close()));
  });

  const upstreamIds = async (): Promise<string[]> => {
    const res = await adminGet(gateway.adminUrl, "/apisix/admin/upstreams", KEY);
    return (res.body.list as Array<{ value: { id: string } }>).map((i) => i.value.id).sort();
  };

  test("no live request reaches the unchecked node; the apply fails with the gate's message; blue keeps serving", async () => {
    const ws = new TerraformWorkspace(`faults-node-change-${flavor}`, { GATEWAY_ADMIN_KEY: KEY });
    try {
      const spec = {
        adminUrl: gateway.adminUrl,
        flavor,
        routes: ROUTES,
        active: "blue" as const,
        retryBudgetMs: 2_000,
        healthCheck: { path: "/healthz", timeoutMs: 1_000 },
      };
      synthDeploy(ws, { ...spec, backends: [blue, green] });
      expectOk(await ws.apply());
      expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { blue: 10 }));
      const before = await snapshot(gateway.adminUrl, KEY, flavor);
      const oldUpstreams = flavor === "apisix" ? await upstreamIds() : [];

      // blue's node is replaced by a node whose health check fails
      fresh.health = 503;
      synthDeploy(ws, { ...spec, backends: [fresh, green] });
      const load = startLoad(`${gateway.proxyUrl}/orders/x`);
      let landed: Record<string, number>;
      let failed: Awaited<ReturnType<TerraformWorkspace["apply"]>>;
      try {
        failed = await ws.apply();
      } finally {
        landed = await load.stop();
      }
      expectFailed(failed);
      // every live request of the apply was answered by the old node
      expect(Object.keys(landed)).toEqual(["blue"]);
      expect(landed.blue).toBeGreaterThan(0);

      const output = flat(failed.output);
      expect(output).toContain(
        `bluegreen: health check failed for blue node 127.0.0.1:${fresh.port}: GET /healthz -> 503 (expected 200) (construct e2e/service)`,
      );
      const servicePath = `/apisix/admin/services/${SERVICE_ID}${q}`.replace(/[?.]/g, "\\$&");
      const still =
        flavor === "apisix"
          ? `service ${SERVICE_ID} still points at upstreams ${oldUpstreams.join(" and ")}, as before ` +
            `\\(new upstream ${SERVICE_ID}-blue-[0-9a-f]{8} takes no traffic\\)`
          : `service ${SERVICE_ID} keeps the upstreams and weights it has`;
      expect(output).toMatch(
        new RegExp(
          `bluegreen: health check: 1 of 1 node failed \\(GET /healthz, expected 200 within 1000 ms\\); PUT ${servicePath} ` +
            `was not sent, so traffic stays as it is: ${still}; fix the nodes \\(or healthCheck\\) and deploy again ` +
            `\\(construct e2e/service\\)`,
        ),
      );
      expect(output).not.toMatch(/bluegreen: PUT \/apisix\/admin\/services\/\S+ -> /);

      // the service and the routes are what they were; the old node serves every request
      const after = await snapshot(gateway.adminUrl, KEY, flavor);
      expect({ services: after.services, routes: after.routes }).toEqual({ services: before.services, routes: before.routes });
      expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { blue: 10 }));

      // once the new node is healthy, the same deploy moves blue's traffic to it and the old upstream is swept
      fresh.health = 200;
      expectOk(await ws.apply());
      expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { fresh: 10 }));
      if (flavor === "apisix") {
        const ids = await upstreamIds();
        expect(ids).toHaveLength(2);
        expect(ids.filter((id) => oldUpstreams.includes(id))).toEqual(oldUpstreams.filter((id) => id.includes("-green-")));
      }
      expect((await ws.plan()).stdout).toContain("No changes.");
    } finally {
      ws.cleanup();
    }
  });
});
