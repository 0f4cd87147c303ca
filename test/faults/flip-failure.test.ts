/**
 * A flip whose one write fails leaves every route on one color (the traffic-split lives on the service, so there is
 * no half-flipped state): three routes on one service with a 10 % canary (one round-robin cycle = 10 requests,
 * 9:1); the flip's service PUT fails on every attempt; every route still serves exactly the old split over full
 * cycles; the retried deploy moves every route to the new split.
 */
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { startBackends, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import {
  everyRoute,
  expectFailed,
  expectOk,
  landingsPerRoute,
  SERVICE_ID,
  serviceWeights,
  snapshot,
  synthDeploy,
  type Flavor,
} from "./harness";

jest.setTimeout(120_000);

const KEY = "faults-Flip-Admin-Key-0a77e1";
const ROUTES = ["orders", "cart", "search"];
/** Two full round-robin cycles per route. */
const N = 20;

describe.each<Flavor>(["apisix", "api7-ee"])("failed flip (%s)", (flavor) => {
  let backends: Backend[];
  let gateway: RunningGateway;
  const faults = new AdminFaults();

  beforeAll(async () => {
    backends = await startBackends(["blue", "green"]);
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor, faults });
  });

  afterAll(async () => {
    faults.clear();
    await gateway?.close();
    await Promise.all((backends ?? []).map((b) => b.close()));
  });

  test("every route keeps the old split while the flip's write fails; the retry moves every route", async () => {
    const ws = new TerraformWorkspace(`faults-flip-${flavor}`, { GATEWAY_ADMIN_KEY: KEY });
    try {
      const spec = { adminUrl: gateway.adminUrl, flavor, routes: ROUTES, backends, canaryPercent: 10, retryBudgetMs: 1_500 };
      synthDeploy(ws, { ...spec, active: "blue" });
      expectOk(await ws.apply());
      const oldSplit = everyRoute(ROUTES, { blue: 18, green: 2 });
      expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, N)).toEqual(oldSplit);
      const before = await snapshot(gateway.adminUrl, KEY, flavor);
      const oldWeights = await serviceWeights(gateway.adminUrl, KEY, flavor);

      const servicePut = { method: "PUT", pathPrefix: `/apisix/admin/services/${SERVICE_ID}` };
      faults.failNext({ ...servicePut, status: 503, count: Infinity, body: { error_msg: "failed to persist the change" } });
      synthDeploy(ws, { ...spec, active: "green" });
      const failed = expectFailed(await ws.apply());
      expect(failed.output).toMatch(
        /bluegreen: PUT \/apisix\/admin\/services\/checkout(\?gateway_group_id=default)? failed with 503 after \d+ attempts: failed to persist the change; the retry budget of 1500 ms \(retryBudgetMs, shared by every request of this run\) is spent \(construct e2e\/service\)/,
      );
      expect(faults.count(servicePut, true)).toBeGreaterThanOrEqual(2);

      // nothing moved: same objects, same weights, every route on the old split for every request
      expect(await snapshot(gateway.adminUrl, KEY, flavor)).toEqual(before);
      expect(await serviceWeights(gateway.adminUrl, KEY, flavor)).toEqual(oldWeights);
      expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, N)).toEqual(oldSplit);

      faults.clear();
      expectOk(await ws.apply());
      expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, N)).toEqual(everyRoute(ROUTES, { green: 18, blue: 2 }));
      // only the service changed: the routes are the objects they were
      const after = await snapshot(gateway.adminUrl, KEY, flavor);
      expect(after.routes).toEqual(before.routes);
    } finally {
      ws.cleanup();
    }
  });
});
