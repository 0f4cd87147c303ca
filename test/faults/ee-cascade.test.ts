/**
 * API7 EE deletes every route under a service along with the service. A hand-made route (no labels) and another
 * owner's route attached to our service must survive `terraform destroy` and the sweep of a service removed from the
 * stack: the service is left in place with a warning naming them, the run succeeds, and later runs do not fail.
 */
import type { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { startBackends, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { adminGet, adminPut, countLandings } from "../helper/traffic";
import { expectOk, flat } from "./harness";

jest.setTimeout(180_000);

const KEY = "faults-Cascade-Admin-Key-5d21c8";
const Q = "?gateway_group_id=default";
const THEIRS = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "team-b" };

let backends: Backend[];
let gateway: RunningGateway;

beforeAll(async () => {
  backends = await startBackends(["blue", "green"]);
  gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor: "api7-ee" });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all((backends ?? []).map((b) => b.close()));
});

/**
 * Synthesizes `services`, each with routes `<service>-<route>` serving `/<service>/<route>/*`, under `owner` (one per
 * test: the tests share the gateway).
 */
function synth(ws: TerraformWorkspace, owner: string, services: Record<string, readonly string[]>): void {
  const [blue, green] = backends;
  ws.synth((stack: TerraformStack) => {
    const connection = new GatewayConnection(stack, "gateway", {
      adminUrl: gateway.adminUrl,
      flavor: "api7-ee",
      gatewayGroupId: "default",
      owner,
      retryBudgetMs: 2_000,
    });
    for (const [serviceId, routes] of Object.entries(services)) {
      const service = new BlueGreenService(stack, serviceId, {
        gateway: connection,
        serviceId,
        blue: { nodes: [{ host: blue.host, port: blue.port }], passHost: "node" },
        green: { nodes: [{ host: green.host, port: green.port }], passHost: "node" },
        active: "blue",
      });
      for (const r of routes) {
        new BlueGreenRoute(stack, `${serviceId}-${r}`, { service, routeId: `${serviceId}-${r}`, paths: [`/${serviceId}/${r}/*`] });
      }
    }
  });
}

async function status(kind: "routes" | "services", id: string): Promise<number> {
  return (await adminGet(gateway.adminUrl, `/apisix/admin/${kind}/${id}${Q}`, KEY)).status;
}

/** Routes that are not ours, attached to service `serviceId`: a hand-made one and another owner's. */
async function attachForeignRoutes(serviceId: string): Promise<void> {
  const handMade = await adminPut(gateway.adminUrl, `/apisix/admin/routes/hand-made${Q}`, KEY, {
    name: "hand-made",
    paths: ["/hand-made/*"],
    service_id: serviceId,
  });
  expect([200, 201]).toContain(handMade.status);
  const theirs = await adminPut(gateway.adminUrl, `/apisix/admin/routes/their-route${Q}`, KEY, {
    name: "theirs",
    paths: ["/theirs/*"],
    service_id: serviceId,
    labels: THEIRS,
  });
  expect([200, 201]).toContain(theirs.status);
}

const warning = (serviceId: string) =>
  `bluegreen: warning: DELETE /apisix/admin/services/${serviceId}${Q} -> skipped: left service ${serviceId} in place: ` +
  `on API7 EE deleting it would also delete route hand-made (no labels), route their-route (labels: ` +
  `${JSON.stringify(THEIRS)}), and they are not this stack's to delete`;

test("terraform destroy leaves a service that holds a hand-made and another owner's route, warns, and exits 0", async () => {
  const ws = new TerraformWorkspace("faults-ee-cascade-destroy", { GATEWAY_ADMIN_KEY: KEY });
  try {
    synth(ws, "cascade-destroy", { checkout: ["orders"] });
    expectOk(await ws.apply());
    await attachForeignRoutes("checkout");
    expect(await countLandings(`${gateway.proxyUrl}/hand-made/x`, 4)).toEqual({ blue: 4 });

    const destroyed = await ws.destroy();
    expect({ code: destroyed.code, output: destroyed.output }).toEqual({ code: 0, output: expect.any(String) });
    expect(flat(destroyed.output)).toContain(warning("checkout"));
    // our route is gone; the service and the two routes under it are not, and still serve
    expect(await status("routes", "checkout-orders")).toBe(404);
    expect(await status("services", "checkout")).toBe(200);
    expect(await status("routes", "hand-made")).toBe(200);
    expect((await adminGet(gateway.adminUrl, `/apisix/admin/routes/their-route${Q}`, KEY)).body.value.labels).toEqual(THEIRS);
    expect(await countLandings(`${gateway.proxyUrl}/hand-made/x`, 4)).toEqual({ blue: 4 });
    expect(await countLandings(`${gateway.proxyUrl}/theirs/x`, 4)).toEqual({ blue: 4 });

    // later runs do not fail: a second destroy, then a deploy that takes the service over again, then its destroy
    expect((await ws.destroy()).code).toBe(0);
    expectOk(await ws.apply());
    expect(await status("routes", "checkout-orders")).toBe(200);
    const again = await ws.destroy();
    expect(again.code).toBe(0);
    expect(flat(again.output)).toContain(warning("checkout"));
    expect(await status("routes", "hand-made")).toBe(200);
    expect(await status("routes", "their-route")).toBe(200);
  } finally {
    ws.cleanup();
  }
});

test("the sweep of a service removed from the stack leaves it while routes that are not ours hold it", async () => {
  const ws = new TerraformWorkspace("faults-ee-cascade-sweep", { GATEWAY_ADMIN_KEY: KEY });
  try {
    synth(ws, "cascade-sweep", { legacy: ["orders"], cart: ["items"] });
    expectOk(await ws.apply());
    await attachForeignRoutes("legacy");

    // the service and its route leave the stack: the sweep deletes our route, keeps the service, warns, succeeds
    synth(ws, "cascade-sweep", { cart: ["items"] });
    const swept = expectOk(await ws.apply());
    const held =
      `bluegreen: warning: left service legacy in place: on API7 EE deleting it would also delete route hand-made ` +
      `(no labels), route their-route (labels: ${JSON.stringify(THEIRS)}), and they are not this stack's to delete`;
    expect(flat(swept.output)).toContain(held);
    expect(flat(swept.output)).toMatch(/bluegreen: sweep owner=cascade-sweep deleted 1: route legacy-orders /);
    expect(await status("routes", "legacy-orders")).toBe(404);
    expect(await status("services", "legacy")).toBe(200);
    expect(await status("routes", "hand-made")).toBe(200);
    expect(await status("routes", "their-route")).toBe(200);
    expect(await countLandings(`${gateway.proxyUrl}/hand-made/x`, 4)).toEqual({ blue: 4 });

    // the next sweep (another change of the declared set) warns again and does not fail
    synth(ws, "cascade-sweep", { cart: ["items", "more"] });
    const next = expectOk(await ws.apply());
    expect(flat(next.output)).toContain(held);
    expect(await status("services", "legacy")).toBe(200);
    expect((await ws.plan()).stdout).toContain("No changes.");

    expect((await ws.destroy()).code).toBe(0);
    expect(await status("services", "cart")).toBe(404);
    expect(await status("routes", "hand-made")).toBe(200);
  } finally {
    ws.cleanup();
  }
});
