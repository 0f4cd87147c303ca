/**
 * Fault injection, real Terraform against the embedded gateway: how the hook handles HTTP errors.
 *
 * - 500/503 a few times, then success: retried within the budget, the deploy succeeds and traffic moves.
 * - 401 (wrong key): not retried (the gateway sees exactly one request per hook), the message names
 *   GATEWAY_ADMIN_KEY, and neither the wrong nor the right key appears in the output.
 * - 400: not retried; the gateway's error_msg and the construct path are shown (an injected rejection and a real
 *   one: a route whose service was deleted behind Terraform's back).
 * - an unmanaged pre-existing route: refused with the construct path and left untouched; adopt takes it over.
 */
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { startBackends, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { adminGet } from "../helper/traffic";
import { everyRoute, expectFailed, expectOk, landingsPerRoute, SERVICE_ID, snapshot, synthDeploy, timed } from "./harness";

jest.setTimeout(120_000);

const KEY = "faults-Http-Admin-Key-93d2aa";
const WRONG_KEY = "Wrong-Key-Value-4e8812";
const ROUTES = ["orders", "cart"];

let backends: Backend[];
let faults: AdminFaults;
let gateway: RunningGateway;
let log: string[];
const workspaces: TerraformWorkspace[] = [];

beforeAll(async () => {
  backends = await startBackends(["blue", "green"]);
});

beforeEach(async () => {
  faults = new AdminFaults();
  log = [];
  gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, faults, log: (line) => log.push(line) });
});

afterEach(async () => {
  faults.clear();
  await gateway.close();
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

afterAll(async () => {
  await Promise.all((backends ?? []).map((b) => b.close()));
});

function workspace(name: string, key = KEY): TerraformWorkspace {
  const ws = new TerraformWorkspace(`faults-${name}`, { GATEWAY_ADMIN_KEY: key });
  workspaces.push(ws);
  return ws;
}

test("500 and 503 a few times, then success: the flip is retried and succeeds", async () => {
  const ws = workspace("5xx");
  const spec = { adminUrl: gateway.adminUrl, routes: ROUTES, backends, retryBudgetMs: 10_000 };
  synthDeploy(ws, { ...spec, active: "blue" });
  expectOk(await ws.apply());

  const servicePut = { method: "PUT", pathPrefix: `/apisix/admin/services/${SERVICE_ID}` };
  faults.failNext({ ...servicePut, status: 500, body: { error_msg: "etcd leader changed" } });
  faults.failNext({ ...servicePut, status: 503, count: 2 });
  synthDeploy(ws, { ...spec, active: "green" });
  const result = expectOk(await ws.apply());
  expect(result.output).toContain("bluegreen: PUT /apisix/admin/services/checkout attempt 1 failed (500: etcd leader changed); retrying in");
  expect(result.output).toContain("bluegreen: PUT /apisix/admin/services/checkout attempt 2 failed (503: injected fault: 503); retrying in");
  expect(result.output).toContain("bluegreen: PUT /apisix/admin/services/checkout attempt 3 failed (503: injected fault: 503); retrying in");
  expect(result.output).toContain("bluegreen: PUT /apisix/admin/services/checkout -> 200 (verified)");
  expect(faults.count(servicePut, true)).toBe(3);
  expect(faults.count(servicePut, false)).toBe(2); // the first deploy's PUT and the flip's 4th attempt
  expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { green: 10 }));
});

test("a wrong key (401): not retried, names GATEWAY_ADMIN_KEY, never prints either key", async () => {
  const ws = workspace("401", WRONG_KEY);
  synthDeploy(ws, { adminUrl: gateway.adminUrl, routes: ROUTES, backends, active: "blue", retryBudgetMs: 10_000 });
  const { value: result, ms } = await timed(() => ws.apply());
  expectFailed(result);
  // the first objects are the two upstreams, written in parallel; both hooks fail on their first request
  expect(result.output).toMatch(
    /bluegreen: the gateway rejected the admin key \(401 wrong apikey\); check the GATEWAY_ADMIN_KEY environment variable \(GET \/apisix\/admin\/upstreams\/checkout-(blue|green)-[0-9a-f]{8} for e2e\/service\)/,
  );
  expect(result.output).not.toContain(WRONG_KEY);
  expect(result.output).not.toContain(KEY);
  expect(result.output).not.toContain("retrying");
  const requests = log.map((line) => line.replace(/ \d+ms$/, "")).sort();
  expect(requests).toEqual([
    expect.stringMatching(/^admin GET \/apisix\/admin\/upstreams\/checkout-blue-[0-9a-f]{8} 401$/),
    expect.stringMatching(/^admin GET \/apisix\/admin\/upstreams\/checkout-green-[0-9a-f]{8} 401$/),
  ]);
  expect(ms).toBeLessThan(20_000); // fast: a 10 s retry budget was not spent
  expect(gateway.store.state()).toMatchObject({ revision: 0, routes: {}, services: {}, upstreams: {} });
});

test("a 400 is not retried and shows the gateway's error_msg and the construct path", async () => {
  const ws = workspace("400");
  const spec = { adminUrl: gateway.adminUrl, routes: ROUTES, backends, active: "blue" as const, retryBudgetMs: 10_000 };
  const routePut = { method: "PUT", pathPrefix: "/apisix/admin/routes/orders" };
  faults.failNext({ ...routePut, status: 400, body: { error_msg: 'invalid configuration: property "uri" validation failed' } });
  synthDeploy(ws, spec);
  const failed = expectFailed(await ws.apply());
  expect(failed.output).toContain(
    'bluegreen: PUT /apisix/admin/routes/orders failed with 400: invalid configuration: property "uri" validation failed (construct e2e/orders)',
  );
  expect(faults.count(routePut)).toBe(1);
  expect(failed.output).not.toContain("retrying");
  expect((await adminGet(gateway.adminUrl, "/apisix/admin/routes/orders", KEY)).status).toBe(404);
  expect((await adminGet(gateway.adminUrl, "/apisix/admin/routes/cart", KEY)).status).toBe(200);

  expectOk(await ws.apply());
  expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { blue: 10 }));

  // a real rejection: the service is deleted behind Terraform's back, then a new route references it
  const del = await fetch(`${gateway.adminUrl}/apisix/admin/services/${SERVICE_ID}?force=true`, {
    method: "DELETE",
    headers: { "x-api-key": KEY },
  });
  expect(del.status).toBe(200);
  synthDeploy(ws, { ...spec, routes: [...ROUTES, "refunds"] });
  const rejected = expectFailed(await ws.apply());
  expect(rejected.output).toContain(
    "bluegreen: PUT /apisix/admin/routes/refunds failed with 400: failed to fetch service info by service id [checkout], response code: 404 (construct e2e/refunds)",
  );
  expect(log.filter((l) => l.startsWith("admin PUT /apisix/admin/routes/refunds ")).length).toBe(1);
});

test("an unmanaged route with the same id is refused (construct path named, left untouched); adopt takes it over", async () => {
  const unmanaged = { uri: "/legacy/*", upstream: { type: "roundrobin", nodes: { [`${backends[0].host}:${backends[0].port}`]: 1 } } };
  const put = await fetch(`${gateway.adminUrl}/apisix/admin/routes/orders`, {
    method: "PUT",
    headers: { "x-api-key": KEY, "content-type": "application/json" },
    body: JSON.stringify(unmanaged),
  });
  expect(put.status).toBe(201);
  const before = await snapshot(gateway.adminUrl, KEY);

  const ws = workspace("unmanaged");
  const spec = { adminUrl: gateway.adminUrl, routes: ROUTES, backends, active: "green" as const };
  synthDeploy(ws, spec);
  const refused = expectFailed(await ws.apply());
  expect(refused.output).toContain(
    "bluegreen: refusing to overwrite /apisix/admin/routes/orders: it exists and is not managed by cdktf-apisix-bluegreen (labels: {}); set adopt: true on e2e/orders to take it over, or use another id",
  );
  const after = await snapshot(gateway.adminUrl, KEY);
  expect((after.routes as any).list.find((r: any) => r.value.id === "orders")).toEqual(
    (before.routes as any).list.find((r: any) => r.value.id === "orders"),
  );

  synthDeploy(ws, { ...spec, adopt: true });
  const adopted = expectOk(await ws.apply());
  expect(adopted.output).toContain("bluegreen: PUT /apisix/admin/routes/orders -> 200 (verified, adopted)");
  expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { green: 10 }));
});
