/**
 * The bluegreen provider's resource handlers, called directly (no Terraform) against the embedded gateway, both
 * flavours: create, flip as an update, drift read, gone -> null, import (adopt via private state), delete only ours.
 */
import { bluegreenProvider } from "../../lib/provider/bluegreen-provider";
import type { ObjectValue, ResourceTypeDefinition, HandlerContext } from "../../lib/provider/protocol/provider-definition";
import { UNKNOWN } from "../../lib/provider/protocol/provider-definition";
import { AdminClient } from "../../lib/client/admin-client";
import { type RunningGateway, startGateway } from "../../lib/gateway/gateway";
import { buildRouteRequest, buildServiceRequests, type GatewayPlacement } from "../../lib/model/blue-green";
import { gatewayTarget } from "../../lib/model/hook-input";
import type { Color } from "../../lib/model/specs";

const KEY = "sk-provider-res-3e4d5c6b";
const KEY_ENV = "BLUEGREEN_TEST_PROVIDER_KEY";
const OWNER = "test-app/stack";

const resource = (name: string): ResourceTypeDefinition => bluegreenProvider.resources.find((r) => r.name === name)!;

describe.each(["apisix", "api7-ee"] as const)("bluegreen resources against the embedded gateway (%s)", (flavor) => {
  let gw: RunningGateway;
  let client: AdminClient;
  let gateway: string;
  let context: HandlerContext;
  const placement: GatewayPlacement = { flavor, gatewayGroupId: flavor === "api7-ee" ? "default" : undefined };
  const services = resource("bluegreen_service");
  const routes = resource("bluegreen_route");
  const upstreams = resource("bluegreen_upstream");

  beforeEach(async () => {
    process.env[KEY_ENV] = KEY;
    gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor });
    client = new AdminClient({ adminUrl: gw.adminUrl, flavor, gatewayGroupId: placement.gatewayGroupId, adminKey: KEY, retryBudgetMs: 500 });
    const target = gatewayTarget({ adminUrl: gw.adminUrl, flavor, gatewayGroupId: placement.gatewayGroupId, adminKeyEnv: KEY_ENV, retryBudgetMs: 500 });
    gateway = JSON.stringify(target);
    context = { signal: new AbortController().signal, providerConfig: { gateway } };
  });
  afterEach(async () => {
    delete process.env[KEY_ENV];
    await client.close();
    await gw.close();
  });

  function requests(active: Color) {
    return buildServiceRequests({
      serviceId: "s1",
      blue: { nodes: [{ host: "127.0.0.1", port: 1980 }] },
      green: { nodes: [{ host: "127.0.0.1", port: 1981 }] },
      active,
      placement,
      owner: OWNER,
    });
  }
  const base = (objectId: string, body: Record<string, unknown>, path: string): ObjectValue => ({
    id: UNKNOWN,
    object_id: objectId,
    gateway,
    owner: OWNER,
    legacy_owner: null,
    adopt: null,
    construct_path: path,
    body: JSON.stringify(body),
  });
  const serviceValue = (active: Color): ObjectValue => ({
    ...base("s1", requests(active).service.body, "stack/svc"),
    active: null,
    traffic: null,
    health_check: null,
    release: null,
  });
  const routeValue = (): ObjectValue => base("r1", buildRouteRequest({ routeId: "r1", paths: ["/a"], placement, owner: OWNER, serviceId: "s1" }).body, "stack/route");

  async function plan(r: ResourceTypeDefinition, prior: ObjectValue | null, config: ObjectValue): Promise<ObjectValue> {
    if (r.plan === undefined) return { ...config, id: prior?.id ?? UNKNOWN };
    const result = await r.plan({ prior, proposed: { ...config, id: prior?.id ?? UNKNOWN }, config }, context);
    expect(result.diagnostics ?? []).toEqual([]);
    return result.planned;
  }

  async function create(r: ResourceTypeDefinition, config: ObjectValue): Promise<ObjectValue> {
    const planned = await plan(r, null, config);
    const result = await r.apply({ prior: null, planned, config }, context);
    expect(result.diagnostics ?? []).toEqual([]);
    return result.state!;
  }

  async function declareAll(): Promise<{ service: ObjectValue; route: ObjectValue }> {
    for (const [color, request] of Object.entries(requests("blue").upstreams)) {
      await create(upstreams, base(request.path.split("/").pop()!, request.body, `stack/svc/${color}`));
    }
    const service = await create(services, serviceValue("blue"));
    const route = await create(routes, routeValue());
    return { service, route };
  }

  test("create writes and verifies; the plan of a service names active and traffic", async () => {
    const { service, route } = await declareAll();
    expect(service).toMatchObject({ id: "s1", active: "blue", traffic: { blue: 100, green: 0 } });
    expect(route.id).toBe("r1");
    const stored = await client.get(flavor === "api7-ee" ? "/apisix/admin/services/s1?gateway_group_id=default" : "/apisix/admin/services/s1");
    expect(stored?.labels).toMatchObject({ "bluegreen-owner": OWNER });
  });

  test("a flip is an update: the planned active and traffic change, one verified write", async () => {
    const { service } = await declareAll();
    const config = serviceValue("green");
    const planned = await plan(services, service, config);
    expect(planned).toMatchObject({ active: "green", traffic: { blue: 0, green: 100 } });
    const result = await services.apply({ prior: service, planned, config }, context);
    expect(result.diagnostics ?? []).toEqual([]);
    const read = await services.read(result.state!, context);
    expect(read.state).toEqual(result.state);
  });

  test("read: no drift keeps the state, a PATCHed weight shows the live value, a deleted object reads as gone", async () => {
    const { service, route } = await declareAll();
    expect((await services.read(service, context)).state).toBe(service);
    const path = flavor === "api7-ee" ? "/apisix/admin/services/s1?gateway_group_id=default" : "/apisix/admin/services/s1";
    const live = (await client.get(path))!;
    const split = (live.plugins as any)["traffic-split"];
    split.rules.at(-1).weighted_upstreams.forEach((w: { weight: number }) => (w.weight = 50));
    await client.put(path, Object.fromEntries(Object.entries(live).filter(([k]) => !["id", "create_time", "update_time"].includes(k))));
    const drifted = (await services.read(service, context)).state!;
    expect(drifted).toMatchObject({ traffic: { blue: 50, green: 50 } });
    expect(drifted.body).not.toBe(service.body);
    expect(JSON.parse(drifted.body as string).plugins["traffic-split"].rules.at(-1).weighted_upstreams.map((w: any) => w.weight)).toEqual([50, 50]);

    await client.delete(flavor === "api7-ee" ? "/apisix/admin/routes/r1?gateway_group_id=default" : "/apisix/admin/routes/r1");
    expect((await routes.read(route, context)).state).toBeNull();
  });

  test("import of a hand-made route: state from the gateway, adopt in private state, labels added on the first apply", async () => {
    await declareAll();
    const handPath = flavor === "api7-ee" ? "/apisix/admin/routes/hand?gateway_group_id=default" : "/apisix/admin/routes/hand";
    const handBody = flavor === "api7-ee" ? { paths: ["/hand"], service_id: "s1" } : { uris: ["/hand"], service_id: "s1" };
    await client.put(handPath, handBody);
    const imported = await routes.importState("hand", context);
    expect(imported.diagnostics ?? []).toEqual([]);
    expect(imported.state).toMatchObject({ id: "hand", object_id: "hand", gateway, owner: "" });
    expect(JSON.parse(imported.state!.body as string)).toMatchObject(handBody);

    // the declaration takes it over without `adopt`: the import counts as adopt
    const config = base("hand", buildRouteRequest({ routeId: "hand", paths: ["/hand"], placement, owner: OWNER, serviceId: "s1" }).body, "stack/hand");
    const planned = { ...config, id: "hand" };
    const applied = await routes.apply({ prior: imported.state, planned, config, plannedPrivate: imported.private }, context);
    expect(applied.diagnostics ?? []).toEqual([]);
    expect((await client.get(handPath))?.labels).toMatchObject({ "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": OWNER });

    const missing = await routes.importState("nope", context);
    expect(missing.state).toBeNull();
    expect(missing.diagnostics?.[0]?.summary).toMatch(/cannot import route nope: .*404/);
  });

  test("a create over a hand-made object is refused, naming the construct; delete leaves others' objects", async () => {
    const handPath = flavor === "api7-ee" ? "/apisix/admin/routes/r1?gateway_group_id=default" : "/apisix/admin/routes/r1";
    await declareAll();
    await client.delete(handPath);
    await client.put(handPath, flavor === "api7-ee" ? { paths: ["/x"], service_id: "s1" } : { uris: ["/x"], service_id: "s1" });
    const config = routeValue();
    const result = await routes.apply({ prior: null, planned: { ...config, id: UNKNOWN }, config }, context);
    expect(result.diagnostics?.[0]).toMatchObject({ severity: "error" });
    expect(result.diagnostics?.[0]?.summary).toMatch(/refusing to overwrite .*routes\/r1.*stack\/route/);
    expect(result.diagnostics?.[0]?.summary).not.toContain(KEY);

    // Terraform deletes the route it believes it has: the hand-made one stays
    const removed = await routes.apply({ prior: { ...config, id: "r1" }, planned: null, config: null }, context);
    expect(removed.state).toBeNull();
    expect(await client.get(handPath)).toBeDefined();
  });

  test("a service delete held by another owner's route keeps the service, with a warning diagnostic naming it", async () => {
    const { service } = await declareAll();
    const foreign = flavor === "api7-ee" ? "/apisix/admin/routes/theirs?gateway_group_id=default" : "/apisix/admin/routes/theirs";
    await client.put(foreign, flavor === "api7-ee" ? { paths: ["/theirs"], service_id: "s1" } : { uris: ["/theirs"], service_id: "s1" });
    const removed = await services.apply({ prior: service, planned: null, config: null }, context);
    expect(await client.get(flavor === "api7-ee" ? "/apisix/admin/services/s1?gateway_group_id=default" : "/apisix/admin/services/s1")).toBeDefined();
    // Terraform forgets it (there is no teardown in this engine to try again), and says why it is still there
    expect(removed.state).toBeNull();
    expect(removed.diagnostics).toHaveLength(1);
    expect(removed.diagnostics?.[0]).toMatchObject({ severity: "warning" });
    expect(removed.diagnostics?.[0]?.summary).toMatch(
      flavor === "api7-ee"
        ? /^warning: DELETE \/apisix\/admin\/services\/s1\?gateway_group_id=default -> skipped: .*route theirs.*\(construct stack\/svc\)$/
        : /^warning: DELETE \/apisix\/admin\/services\/s1 -> refused by the gateway \(400: .*\); left in place: .*\(construct stack\/svc\)$/,
    );
  });

  test("destroy in order deletes everything of ours", async () => {
    const { service, route } = await declareAll();
    expect((await routes.apply({ prior: route, planned: null, config: null }, context)).state).toBeNull();
    expect((await services.apply({ prior: service, planned: null, config: null }, context)).state).toBeNull();
    for (const [, request] of Object.entries(requests("blue").upstreams)) {
      const value = { ...base(request.path.split("/").pop()!, request.body, "stack/up"), id: "x" };
      expect((await upstreams.apply({ prior: value, planned: null, config: null }, context)).state).toBeNull();
    }
    for (const kind of ["routes", "services", "upstreams"] as const) expect(await client.list(kind)).toEqual([]);
  });

  test("a missing admin key variable is an error naming it, not a crash", async () => {
    const { route } = await declareAll();
    delete process.env[KEY_ENV];
    const read = await routes.read(route, context);
    expect(read.state).toBe(route);
    expect(read.diagnostics?.[0]?.summary).toMatch(new RegExp(`set the ${KEY_ENV} environment variable.*stack/route`));
  });
});
