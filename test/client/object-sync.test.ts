import fc from "fast-check";
import { AdminClient } from "../../lib/client/admin-client";
import { AdminApiError } from "../../lib/client/errors";
import {
  applyObject,
  canonicalPath,
  deleteObject,
  describeHolders,
  describeSwept,
  firstDifference,
  objectPath,
  sweep,
} from "../../lib/client/object-sync";
import { type FakeAdmin, startFakeAdmin } from "../helper/fake-admin";

const KEY = "sk-object-sync-9a8b7c6d";
const ours = (owner = "conn") => ({ "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": owner });

async function caught(p: Promise<unknown>): Promise<AdminApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AdminApiError);
    return e as AdminApiError;
  }
  throw new Error("expected a rejection");
}

describe("objectPath / canonicalPath", () => {
  test("builds paths of both flavours", () => {
    expect(objectPath("apisix", "routes", "r1")).toBe("/apisix/admin/routes/r1");
    expect(objectPath("apisix", "upstreams", "u1", "ignored")).toBe("/apisix/admin/upstreams/u1");
    expect(objectPath("api7-ee", "routes", "r1", "g")).toBe("/apisix/admin/routes/r1?gateway_group_id=g");
    expect(objectPath("api7-ee", "upstreams", "blue", "g", "s1")).toBe(
      "/apisix/admin/services/s1/upstreams/blue?gateway_group_id=g",
    );
    expect(() => objectPath("api7-ee", "upstreams", "blue", "g")).toThrow(/needs the id of the service/);
  });

  test("canonicalPath ignores query order and encoding", () => {
    expect(canonicalPath("/a/r1?b=2&a=1")).toBe(canonicalPath("/a/r1?a=1&b=2"));
    expect(canonicalPath("/a/r%2D1?x=%2F")).toBe(canonicalPath("/a/r-1?x=/"));
    expect(canonicalPath("/a/r1?")).toBe("/a/r1");
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z_]{1,6}$/), fc.string()), { selector: (t) => t[0] }), (pairs) => {
        const q1 = new URLSearchParams(pairs).toString();
        const q2 = new URLSearchParams([...pairs].reverse()).toString();
        return canonicalPath(`/p?${q1}`) === canonicalPath(`/p?${q2}`);
      }),
    );
  });
});

describe("firstDifference", () => {
  test("names the first differing field with values", () => {
    expect(firstDifference({ a: 1, b: { c: [1, { d: "x" }] } }, { id: "1", a: 1, b: { c: [1, { d: "y" }] } })).toBe(
      'field b.c[1].d was written as "x" but the gateway stored "y"',
    );
    expect(firstDifference({ plugins: { "traffic-split": { rules: [] } } }, { plugins: {} })).toBe(
      'field plugins.traffic-split was written as {"rules":[]} but the gateway did not store it',
    );
    expect(firstDifference({ labels: { "a.b": "x" } }, { labels: {} })).toMatch(/^field labels\."a\.b" was written/);
    expect(firstDifference({ nodes: [1, 2] }, { nodes: [1] })).toMatch(/written with 2 items but the gateway stored 1/);
  });
  test("tolerates server fields and extra stored fields", () => {
    expect(firstDifference({ id: "x", a: { b: 1 } }, { id: "y", a: { b: 1, extra: true }, create_time: 1 })).toBeUndefined();
  });
  test("any JSON value equals itself", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const roundTripped = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
        return firstDifference(roundTripped, JSON.parse(JSON.stringify(roundTripped)) as Record<string, unknown>) === undefined;
      }),
    );
  });
});

describe.each(["apisix", "api7-ee"] as const)("object sync (%s)", (flavor) => {
  let fake: FakeAdmin;
  let client: AdminClient;
  const group = flavor === "api7-ee" ? "g1" : undefined;
  const path = (resource: "routes" | "services" | "upstreams", id: string, serviceId?: string) =>
    objectPath(flavor, resource, id, group, serviceId);

  beforeEach(async () => {
    fake = await startFakeAdmin({ flavor, adminKey: KEY, gatewayGroupId: group });
    client = new AdminClient({ adminUrl: fake.url, flavor, gatewayGroupId: group, adminKey: KEY, retryBudgetMs: 1_000 });
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  test("applyObject creates, verifies, and replaces our own object", async () => {
    const body = { name: "s1", labels: ours() };
    const first = await applyObject(client, { path: path("services", "s1"), body, constructPath: "stack/svc" });
    expect(first).toMatchObject({ status: 201, adopted: false });
    const second = await applyObject(client, { path: path("services", "s1"), body: { ...body, name: "s1b" } });
    expect(second.status).toBe(200);
    // GET (missing) → PUT → GET, then GET → PUT → GET
    expect(fake.requests.map((r) => r.method)).toEqual(["GET", "PUT", "GET", "GET", "PUT", "GET"]);
  });

  test("applyObject refuses an unmanaged object unless adopt", async () => {
    fake.seed("services/s1", { name: "hand-made", labels: { team: "payments" } });
    const err = await caught(
      applyObject(client, { path: path("services", "s1"), body: { labels: ours() }, constructPath: "stack/svc" }),
    );
    expect(err.kind).toBe("not-managed");
    expect(err.message).toBe(
      `refusing to overwrite ${path("services", "s1")}: it exists and is not managed by cdktf-apisix-bluegreen ` +
        `(labels: {"team":"payments"}); set adopt: true on stack/svc to take it over, or use another id`,
    );
    expect(fake.requestsTo("PUT")).toHaveLength(0);

    const adopted = await applyObject(client, { path: path("services", "s1"), body: { labels: ours() }, adopt: true });
    expect(adopted).toMatchObject({ adopted: true, status: 200 });
  });

  test("applyObject refuses an object another owner (stack, repo, environment) manages unless adopt", async () => {
    const theirs = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "team-b" };
    fake.seed("services/shared", { name: "theirs", labels: theirs });
    const err = await caught(
      applyObject(client, { path: path("services", "shared"), body: { labels: ours() }, constructPath: "stack/svc" }),
    );
    expect(err.kind).toBe("not-managed");
    expect(err.message).toBe(
      `refusing to overwrite ${path("services", "shared")}: it is managed by cdktf-apisix-bluegreen for owner ` +
        `"team-b", not "${ours()["bluegreen-owner"]}" (another stack, repository or environment writes it; give each ` +
        `one its own GatewayConnection owner); set adopt: true on stack/svc to take it over, or use another id`,
    );
    expect(fake.requestsTo("PUT")).toHaveLength(0);

    const adopted = await applyObject(client, { path: path("services", "shared"), body: { labels: ours() }, adopt: true });
    expect(adopted).toMatchObject({ adopted: true, status: 200 });
    const again = await applyObject(client, { path: path("services", "shared"), body: { labels: ours() } });
    expect(again).toMatchObject({ adopted: false, status: 200 });
  });

  test("deleteObject with an owner leaves another owner's object in place", async () => {
    fake.seed("services/shared", { labels: { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "team-b" } });
    const owner = ours()["bluegreen-owner"];
    expect(await deleteObject(client, { path: path("services", "shared"), owner })).toMatchObject({
      outcome: "skipped-other-owner",
      labels: { "bluegreen-owner": "team-b" },
    });
    expect(fake.requestsTo("DELETE")).toHaveLength(0);
    expect(await deleteObject(client, { path: path("services", "shared"), owner: "team-b" })).toMatchObject({ outcome: "deleted" });
  });

  test("legacyOwner: applyObject relabels the old default owner's object without adopt, deleteObject deletes it", async () => {
    fake.seed("services/old", { name: "old", labels: ours("shop") });
    fake.seed("services/other", { name: "other", labels: ours("team-b") });
    const owner = "shop-infra/shop";
    const relabelled = await applyObject(client, { path: path("services", "old"), body: { labels: ours(owner) }, legacyOwner: "shop" });
    expect(relabelled).toMatchObject({ adopted: false, relabelledFrom: "shop", status: 200 });
    expect((fake.store.get("services/old") as { labels: unknown }).labels).toEqual(ours(owner));
    const again = await applyObject(client, { path: path("services", "old"), body: { labels: ours(owner) }, legacyOwner: "shop" });
    expect(again).not.toHaveProperty("relabelledFrom");
    const refused = await caught(applyObject(client, { path: path("services", "other"), body: { labels: ours(owner) }, legacyOwner: "shop" }));
    expect(refused.kind).toBe("not-managed");

    fake.seed("services/old", { labels: ours("shop") });
    expect(await deleteObject(client, { path: path("services", "other"), owner, legacyOwner: "shop" })).toMatchObject({
      outcome: "skipped-other-owner",
    });
    expect(await deleteObject(client, { path: path("services", "old"), owner, legacyOwner: "shop" })).toMatchObject({ outcome: "deleted" });
  });

  test("legacyOwner: the sweep deletes legacy routes bound to a declared service and leaves other legacy objects", async () => {
    const owner = "shop-infra/shop";
    fake.seed("services/s1", { labels: ours(owner) });
    fake.seed("routes/r-legacy", { labels: ours("shop"), service_id: "s1" });
    fake.seed("routes/r-elsewhere", { labels: ours("shop"), service_id: "s-other" });
    fake.seed("services/s-other", { labels: ours("shop") });
    fake.seed("routes/r-mine", { labels: ours(owner), service_id: "s-other" });
    const result = await sweep(client, { owner, legacyOwner: "shop", keep: [path("services", "s1")] });
    expect(describeSwept(result.removed)).toBe("route r-legacy, route r-mine");
    expect(describeSwept(result.legacyLeft)).toBe("route r-elsewhere, service s-other");
    expect([...fake.store.keys()].sort()).toEqual(["routes/r-elsewhere", "services/s-other", "services/s1"]);
    // without legacyOwner nothing legacy is touched or reported
    fake.seed("routes/r-legacy", { labels: ours("shop"), service_id: "s1" });
    const plain = await sweep(client, { owner, keep: [path("services", "s1")] });
    expect(plain).toMatchObject({ removed: [], legacyLeft: [] });
  });

  test("applyObject reports a read-after-write mismatch naming the field", async () => {
    fake.transformStored = (_key, value) => ({ ...value, plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ weight: 0 }] }] } } });
    const body = { labels: ours(), plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ weight: 10 }] }] } } };
    const err = await caught(applyObject(client, { path: path("services", "s1"), body, constructPath: "stack/svc" }));
    expect(err.kind).toBe("verify");
    expect(err.message).toBe(
      `read-after-write check failed for ${path("services", "s1")}: field plugins.traffic-split.rules[0].weighted_upstreams[0].weight ` +
        `was written as 10 but the gateway stored 0 (construct stack/svc)`,
    );
  });

  test("applyObject surfaces the gateway's 400 with construct path", async () => {
    fake.failWhen((r) => r.method === "PUT", { status: 400, body: { error_msg: "invalid configuration: bad" } });
    const err = await caught(applyObject(client, { path: path("routes", "r1"), body: {}, constructPath: "stack/route" }));
    expect(err.message).toBe(`PUT ${path("routes", "r1")} failed with 400: invalid configuration: bad (construct stack/route)`);
  });

  test("deleteObject deletes ours, tolerates missing, skips unmanaged", async () => {
    fake.seed("services/mine", { labels: ours() });
    fake.seed("services/theirs", { labels: { team: "x" } });
    expect(await deleteObject(client, { path: path("services", "mine") })).toMatchObject({ outcome: "deleted" });
    expect(await deleteObject(client, { path: path("services", "mine") })).toMatchObject({ outcome: "already-gone" });
    expect(await deleteObject(client, { path: path("services", "theirs") })).toEqual({
      path: path("services", "theirs"),
      outcome: "skipped-unmanaged",
      labels: { team: "x" },
    });
    expect(fake.store.has("services/theirs")).toBe(true);
    expect(fake.requestsTo("DELETE")).toHaveLength(1);
  });

  test("deleteObject: a 404 on DELETE (raced) is already gone", async () => {
    fake.seed("routes/r1", { labels: ours() });
    fake.failWhen((r) => r.method === "DELETE", { status: 404, body: { message: "Key not found" } });
    expect(await deleteObject(client, { path: path("routes", "r1") })).toMatchObject({ outcome: "already-gone" });
  });

  test("sweep deletes only this owner's undeclared objects, routes → services → upstreams", async () => {
    // declared: service s1 with route r1 (+ upstream blue); leftovers: route r-old → service s-old
    fake.seed("services/s1", { labels: ours() });
    fake.seed("services/s-old", { labels: ours() });
    fake.seed("routes/r1", { labels: ours(), service_id: "s1" });
    fake.seed("routes/r-old", { labels: ours(), service_id: "s-old" });
    fake.seed("routes/other-owner", { labels: ours("someone-else") });
    fake.seed("routes/unmanaged", { labels: { "bluegreen-owner": "conn" } });
    if (flavor === "apisix") {
      fake.seed("upstreams/blue", { labels: ours() });
      fake.seed("upstreams/green-old", { labels: ours() });
    } else {
      fake.seed("services/s1/upstreams/blue", { labels: ours() });
      fake.seed("services/s1/upstreams/green-old", { labels: ours() });
    }
    const keep = [path("services", "s1"), path("routes", "r1"), path("upstreams", "blue", "s1")];
    fake.requests.length = 0;
    const result = await sweep(client, { owner: "conn", keep, constructPath: "stack/conn" });
    expect(describeSwept(result.removed)).toBe("route r-old, service s-old, upstream green-old");
    const deletes = fake.requestsTo("DELETE").map((r) => r.pathname);
    expect(deletes).toEqual([
      "/apisix/admin/routes/r-old",
      "/apisix/admin/services/s-old",
      flavor === "apisix" ? "/apisix/admin/upstreams/green-old" : "/apisix/admin/services/s1/upstreams/green-old",
    ]);
    expect([...fake.store.keys()].sort()).toEqual(
      (flavor === "apisix"
        ? ["routes/other-owner", "routes/r1", "routes/unmanaged", "services/s1", "upstreams/blue"]
        : ["routes/other-owner", "routes/r1", "routes/unmanaged", "services/s1", "services/s1/upstreams/blue"]
      ).sort(),
    );
  });

  test("sweep failure says what was already deleted", async () => {
    fake.seed("routes/r-old", { labels: ours() });
    fake.seed("services/s-old", { labels: ours() });
    fake.failWhen((r) => r.method === "DELETE" && r.pathname.includes("/services/"), {
      status: 400,
      body: { error_msg: "can not delete this service directly, route [hand-made] is still using it now" },
    });
    const err = await caught(sweep(client, { owner: "conn", keep: [], constructPath: "stack/conn" }));
    expect(err.message).toBe(
      `sweep of owner "conn" stopped: DELETE ${path("services", "s-old")} failed with 400: can not delete this service ` +
        "directly, route [hand-made] is still using it now (construct stack/conn); already deleted: route r-old",
    );
  });
});

describe("API7 EE: deleting a service deletes every route and upstream under it", () => {
  let fake: FakeAdmin;
  let client: AdminClient;
  const svc = (id: string) => objectPath("api7-ee", "services", id, "g");
  const theirs = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "team-b" };

  beforeEach(async () => {
    fake = await startFakeAdmin({ flavor: "api7-ee", gatewayGroupId: "g" });
    client = new AdminClient({ adminUrl: fake.url, flavor: "api7-ee", gatewayGroupId: "g", adminKey: "" });
    fake.seed("services/s1", { labels: ours() });
    fake.seed("routes/r1", { labels: ours(), service_id: "s1" });
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  test("deleteObject leaves a service in place when a route that is not ours is under it, naming the routes", async () => {
    fake.seed("routes/hand-made", { service_id: "s1", paths: ["/x"] });
    fake.seed("routes/their-route", { labels: theirs, service_id: "s1" });
    fake.seed("routes/elsewhere", { service_id: "s2" });
    const result = await deleteObject(client, { path: svc("s1"), owner: "conn", constructPath: "stack/svc" });
    expect(result).toEqual({
      path: svc("s1"),
      outcome: "skipped-held",
      holders: [
        { resource: "routes", id: "hand-made", labels: {} },
        { resource: "routes", id: "their-route", labels: theirs },
      ],
    });
    expect(describeHolders(result.holders!)).toBe(
      `route hand-made (no labels), route their-route (labels: ${JSON.stringify(theirs)})`,
    );
    expect(fake.requestsTo("DELETE")).toEqual([]);
    expect([...fake.store.keys()].sort()).toEqual(["routes/elsewhere", "routes/hand-made", "routes/r1", "routes/their-route", "services/s1"]);
  });

  test("deleteObject leaves a service in place when an upstream that is not ours is under it", async () => {
    fake.seed("services/s1/upstreams/hand-made", { nodes: [] });
    const result = await deleteObject(client, { path: svc("s1"), owner: "conn" });
    expect(result).toMatchObject({ outcome: "skipped-held", holders: [{ resource: "upstreams", id: "hand-made", labels: {} }] });
    expect(fake.store.has("services/s1")).toBe(true);
  });

  test("deleteObject deletes a service whose routes and upstreams are all ours (they go with it)", async () => {
    fake.seed("services/s1/upstreams/blue", { labels: ours() });
    expect(await deleteObject(client, { path: svc("s1"), owner: "conn" })).toEqual({ path: svc("s1"), outcome: "deleted" });
    expect([...fake.store.keys()]).toEqual([]);
  });

  test("sweep leaves a held service in place, says which routes hold it, and deletes everything else", async () => {
    fake.seed("services/s-old", { labels: ours() });
    fake.seed("routes/r-old", { labels: ours(), service_id: "s-old" });
    fake.seed("routes/hand-made", { service_id: "s-old" });
    fake.seed("services/s-gone", { labels: ours() });
    fake.seed("routes/r-gone", { labels: ours(), service_id: "s-gone" });
    // our own route that is still declared holds the service too: deleting it would delete a declared object
    fake.seed("services/s-declared-route", { labels: ours() });
    fake.seed("routes/r-kept", { labels: ours(), service_id: "s-declared-route" });
    const keep = [svc("s1"), objectPath("api7-ee", "routes", "r1", "g"), objectPath("api7-ee", "routes", "r-kept", "g")];
    const result = await sweep(client, { owner: "conn", keep, constructPath: "stack/conn" });
    expect(describeSwept(result.removed)).toBe("route r-old, route r-gone, service s-gone");
    expect(result.held).toEqual([
      { id: "s-old", path: svc("s-old"), holders: [{ resource: "routes", id: "hand-made", labels: {} }] },
      { id: "s-declared-route", path: svc("s-declared-route"), holders: [{ resource: "routes", id: "r-kept", labels: ours() }] },
    ]);
    expect([...fake.store.keys()].sort()).toEqual(
      ["routes/hand-made", "routes/r-kept", "routes/r1", "services/s-declared-route", "services/s-old", "services/s1"].sort(),
    );
  });
});

test("API7 EE: a sweep on a list the gateway pages inconsistently fails and deletes nothing", async () => {
  const fake = await startFakeAdmin({ flavor: "api7-ee", gatewayGroupId: "g" });
  const client = new AdminClient({ adminUrl: fake.url, flavor: "api7-ee", gatewayGroupId: "g", adminKey: "" });
  try {
    for (let i = 0; i < 150; i++) fake.seed(`routes/old-${i}`, { labels: ours() });
    // at most 100 per page, `page` ignored, no total: every page is the first one
    fake.listAnswer = (items) => ({ list: items.slice(0, 100) });
    const err = await caught(sweep(client, { owner: "conn", keep: [], constructPath: "stack/conn" }));
    expect(err.message).toMatch(/^listing \/apisix\/admin\/routes\?gateway_group_id=g failed: page 2 lists route old-0 again/);
    expect(fake.requestsTo("DELETE")).toEqual([]);
    expect(fake.store.size).toBe(150);
  } finally {
    await client.close();
    await fake.close();
  }
});

test("sweep keep matching normalises encoding; an empty key sends no X-API-KEY", async () => {
  const fake = await startFakeAdmin({ flavor: "api7-ee", gatewayGroupId: "g" });
  const client = new AdminClient({ adminUrl: fake.url, flavor: "api7-ee", gatewayGroupId: "g", adminKey: "" });
  try {
    fake.seed("routes/r1", { labels: ours() });
    const result = await sweep(client, { owner: "conn", keep: ["/apisix/admin/routes/r%31?gateway_group_id=g"] });
    expect(result.removed).toEqual([]);
    expect(fake.requests.every((r) => r.headers["x-api-key"] === undefined)).toBe(true);
  } finally {
    await client.close();
    await fake.close();
  }
});
