import { startAdmin, KEY, type AdminClient } from "./admin-helper";

const up = { type: "roundrobin", nodes: { "127.0.0.1:1980": 1 } };
let c: AdminClient;

beforeEach(async () => {
  c = await startAdmin();
});
afterEach(async () => {
  await c.gw.close();
});

describe("auth and base path", () => {
  it("answers HEAD /apisix/admin with 200 and no auth", async () => {
    const res = await fetch(c.gw.adminUrl + "/apisix/admin", { method: "HEAD" });
    expect(res.status).toBe(200);
  });

  it("refuses a missing or wrong key with 401", async () => {
    const missing = await fetch(c.gw.adminUrl + "/apisix/admin/routes");
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error_msg: "failed to check token", description: "missing apikey" });
    const wrong = await c.call("GET", "/apisix/admin/routes", undefined, { "x-api-key": "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error_msg: "failed to check token", description: "wrong apikey" });
  });

  it("accepts the key from the query and the cookie", async () => {
    const q = await fetch(`${c.gw.adminUrl}/apisix/admin/routes?api_key=${KEY}`);
    expect(q.status).toBe(200);
    const ck = await fetch(`${c.gw.adminUrl}/apisix/admin/routes`, { headers: { cookie: `a=b; x_api_key=${KEY}` } });
    expect(ck.status).toBe(200);
  });

  it("sets X-API-VERSION: v3 and answers an empty list", async () => {
    const res = await c.call("GET", "/apisix/admin/routes");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-api-version")).toBe("v3");
    expect(res.body).toEqual({ list: [], total: 0 });
  });

  it("404s an unknown resource type and 405s a wrong method", async () => {
    const unknown = await c.call("GET", "/apisix/admin/nopes");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error_msg: "Unsupported resource type: nopes" });
    const opt = await c.call("OPTIONS", "/apisix/admin/routes/1");
    expect(opt.status).toBe(405);
    expect(opt.body.error_msg).toMatch(/^method OPTIONS is not allowed/);
  });
});

describe("CRUD envelopes", () => {
  it("PUT creates with 201 then replaces with 200, keeps create_time, persists no defaults", async () => {
    const created = await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream: up, labels: { a: "1" } });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(["key", "value"]);
    expect(created.body.key).toBe("/apisix/routes/r1");
    const v = created.body.value;
    expect(v).toEqual({ uri: "/a", upstream: up, labels: { a: "1" }, id: "r1", create_time: v.create_time, update_time: v.update_time });
    expect(typeof v.create_time).toBe("number");
    expect(v.priority).toBeUndefined();

    const replaced = await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/b", upstream: up });
    expect(replaced.status).toBe(200);
    expect(replaced.body.value.labels).toBeUndefined();
    expect(replaced.body.value.uri).toBe("/b");
    expect(replaced.body.value.create_time).toBe(v.create_time);
  });

  it("GET one and list use {key,value,createdIndex,modifiedIndex} and {total,list}", async () => {
    await c.call("PUT", "/apisix/admin/upstreams/u1", up);
    await c.call("PUT", "/apisix/admin/upstreams/u2", up);
    await c.call("PUT", "/apisix/admin/upstreams/u1", { ...up, name: "again" });
    const one = await c.call("GET", "/apisix/admin/upstreams/u1");
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      key: "/apisix/upstreams/u1",
      value: expect.objectContaining({ ...up, id: "u1", name: "again" }),
      createdIndex: 1,
      modifiedIndex: 3,
    });
    const list = await c.call("GET", "/apisix/admin/upstreams");
    expect(list.body.total).toBe(2);
    expect(list.body.list.map((i: { key: string }) => i.key)).toEqual(["/apisix/upstreams/u1", "/apisix/upstreams/u2"]);
    expect(Object.keys(list.body.list[0]).sort()).toEqual(["createdIndex", "key", "modifiedIndex", "value"]);
  });

  it("PUT with the id in the body and no path id", async () => {
    const res = await c.call("PUT", "/apisix/admin/upstreams", { ...up, id: "fromBody" });
    expect(res.status).toBe(201);
    expect(res.body.key).toBe("/apisix/upstreams/fromBody");
  });

  it("POST creates with a 20-digit id", async () => {
    const res = await c.call("POST", "/apisix/admin/upstreams", up);
    expect(res.status).toBe(201);
    expect(res.body.value.id).toMatch(/^\d{20}$/);
    expect(res.body.key).toBe(`/apisix/upstreams/${res.body.value.id}`);
    const again = await c.call("POST", "/apisix/admin/upstreams", up);
    expect(again.body.value.id).not.toBe(res.body.value.id);
  });

  it("checks ids: POST must not carry one, PUT needs one and it must match", async () => {
    expect((await c.call("POST", "/apisix/admin/upstreams", { ...up, id: "x" })).body).toEqual({
      error_msg: "wrong upstream id, do not need it",
    });
    expect((await c.call("POST", "/apisix/admin/upstreams/x", up)).body).toEqual({
      error_msg: "wrong upstream id, do not need it",
    });
    const missing = await c.call("PUT", "/apisix/admin/routes", { uri: "/a", upstream: up });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error_msg: "missing route id" });
    expect((await c.call("PUT", "/apisix/admin/routes/a", { id: "b", uri: "/a", upstream: up })).body).toEqual({
      error_msg: "wrong route id",
    });
    const bad = await c.call("PUT", "/apisix/admin/routes/a%20b", { uri: "/a", upstream: up });
    expect(bad.status).toBe(400);
    expect(bad.body.error_msg).toMatch(/^invalid configuration: property "id" validation failed/);
  });

  it("DELETE answers {deleted:'1',key} and 404 Key not found after", async () => {
    await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream: up });
    const del = await c.call("DELETE", "/apisix/admin/routes/r1");
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ deleted: "1", key: "/apisix/routes/r1" });
    for (const method of ["GET", "DELETE"]) {
      const res = await c.call(method, "/apisix/admin/routes/r1");
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: "Key not found" });
    }
    const patch = await c.call("PATCH", "/apisix/admin/routes/r1", { name: "x" });
    expect(patch.status).toBe(404);
    expect(patch.body).toEqual({ message: "Key not found" });
    expect((await c.call("DELETE", "/apisix/admin/routes")).body).toEqual({ error_msg: "missing route id" });
  });
});

describe("PATCH", () => {
  it("deep-merges objects, replaces arrays, deletes on null, refreshes update_time", async () => {
    await c.call("PUT", "/apisix/admin/routes/r1", {
      uris: ["/a", "/b"],
      methods: ["GET", "POST"],
      upstream: up,
      labels: { a: "1", b: "2" },
      name: "n",
      plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ weight: 1 }] }] } },
    });
    const res = await c.call("PATCH", "/apisix/admin/routes/r1", {
      uris: ["/c"],
      labels: { b: null, c: "3" },
      name: null,
      plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ upstream: up, weight: 5 }] }] } },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["key", "value"]);
    const v = res.body.value;
    expect(v.uris).toEqual(["/c"]);
    expect(v.methods).toEqual(["GET", "POST"]);
    expect(v.labels).toEqual({ a: "1", c: "3" });
    expect(v.name).toBeUndefined();
    expect(v.plugins["traffic-split"].rules).toEqual([{ weighted_upstreams: [{ upstream: up, weight: 5 }] }]);
  });

  it("re-validates the merged value and leaves the object unchanged on error", async () => {
    await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream: up });
    const res = await c.call("PATCH", "/apisix/admin/routes/r1", { methods: ["NOPE"] });
    expect(res.status).toBe(400);
    expect(res.body.error_msg).toBe(
      'invalid configuration: property "methods" validation failed: failed to validate item 1: matches none of the enum values',
    );
    expect((await c.call("GET", "/apisix/admin/routes/r1")).body.value.methods).toBeUndefined();
    const notObject = await c.call("PATCH", "/apisix/admin/routes/r1", [1]);
    expect(notObject.status).toBe(400);
    expect(notObject.body.error_msg).toBe("invalid configuration");
    const empty = await c.call("PATCH", "/apisix/admin/routes/r1", "");
    expect(empty.body).toEqual({ error_msg: "missing new configuration" });
  });

  it("supports sub-path PATCH", async () => {
    await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream: up });
    const res = await c.call("PATCH", "/apisix/admin/routes/r1/upstream/nodes", { "127.0.0.1:1981": 2 });
    expect(res.status).toBe(200);
    expect(res.body.value.upstream.nodes).toEqual({ "127.0.0.1:1981": 2 });
    const bad = await c.call("PATCH", "/apisix/admin/routes/r1/nope/x", { a: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error_msg: "invalid sub-path: /nope/x" });
  });

  it("loses nothing under 50 concurrent PATCHes", async () => {
    await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream: up, labels: { base: "0" } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.call("PATCH", "/apisix/admin/routes/r1", { labels: { [`l${i}`]: String(i) } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const labels = (await c.call("GET", "/apisix/admin/routes/r1")).body.value.labels;
    expect(Object.keys(labels)).toHaveLength(51);
    for (let i = 0; i < 50; i++) expect(labels[`l${i}`]).toBe(String(i));
  });

  it("concurrent PUTs of distinct ids all land", async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.call("PUT", `/apisix/admin/upstreams/u${i}`, up)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect((await c.call("GET", "/apisix/admin/upstreams")).body.total).toBe(50);
    expect(c.gw.store.current().upstreams.size).toBe(50);
  });
});

describe("references", () => {
  it("checks service_id and upstream_id on write, not traffic-split upstream_ids", async () => {
    const noSvc = await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", service_id: "s1" });
    expect(noSvc.status).toBe(400);
    expect(noSvc.body).toEqual({ error_msg: "failed to fetch service info by service id [s1], response code: 404" });
    const noUp = await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream_id: "u1" });
    expect(noUp.body).toEqual({ error_msg: "failed to fetch upstream info by upstream id [u1], response code: 404" });
    const svcNoUp = await c.call("PUT", "/apisix/admin/services/s1", { upstream_id: "u9" });
    expect(svcNoUp.body).toEqual({ error_msg: "failed to fetch upstream info by upstream id [u9], response code: 404" });
    const ts = await c.call("PUT", "/apisix/admin/routes/r2", {
      uri: "/a",
      upstream: up,
      plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ upstream_id: "ghost", weight: 1 }] }] } },
    });
    expect(ts.status).toBe(201);
  });

  it("refuses deleting a referenced service or upstream unless force=true", async () => {
    await c.call("PUT", "/apisix/admin/upstreams/u1", up);
    await c.call("PUT", "/apisix/admin/upstreams/u2", up);
    await c.call("PUT", "/apisix/admin/upstreams/u3", up);
    await c.call("PUT", "/apisix/admin/services/s1", { upstream_id: "u3" });
    expect((await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", service_id: "s1", upstream_id: "u1" })).status).toBe(201);
    await c.call("PUT", "/apisix/admin/routes/r2", {
      uri: "/b",
      upstream: up,
      plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ upstream_id: "u2", weight: 1 }] }] } },
    });

    const svc = await c.call("DELETE", "/apisix/admin/services/s1");
    expect(svc.status).toBe(400);
    expect(svc.body).toEqual({ error_msg: "can not delete this service directly, route [r1] is still using it now" });
    const u1 = await c.call("DELETE", "/apisix/admin/upstreams/u1");
    expect(u1.body).toEqual({ error_msg: "can not delete this upstream, route [r1] is still using it now" });
    const u2 = await c.call("DELETE", "/apisix/admin/upstreams/u2");
    expect(u2.body).toEqual({ error_msg: "can not delete this upstream, plugin in route [r2] is still using it now" });
    const u3 = await c.call("DELETE", "/apisix/admin/upstreams/u3");
    expect(u3.body).toEqual({ error_msg: "can not delete this upstream, service [s1] is still using it now" });

    const forced = await c.call("DELETE", "/apisix/admin/upstreams/u2?force=true");
    expect(forced.status).toBe(200);
    expect((await c.call("DELETE", "/apisix/admin/services/s1?force=true")).status).toBe(200);
  });
});

describe("bad input", () => {
  it("400s malformed JSON with invalid request body", async () => {
    const res = await c.call("PUT", "/apisix/admin/routes/r1", "{not json");
    expect(res.status).toBe(400);
    expect(res.body.error_msg).toMatch(/^invalid request body: /);
    expect(res.body.req_body).toBe("{not json");
  });

  it("refuses an oversized body", async () => {
    const big = JSON.stringify({ uri: "/a", upstream: up, desc: "x".repeat(1.6 * 1024 * 1024) });
    const res = await c.call("PUT", "/apisix/admin/routes/r1", big);
    expect(res.status).toBe(413);
    expect(res.body.error_msg).toMatch(/^request body too large/);
    expect((await c.call("GET", "/apisix/admin/routes")).body.total).toBe(0);
  });

  it("400s missing body, forbidden timestamps, validation errors and unknown plugins", async () => {
    expect((await c.call("PUT", "/apisix/admin/routes/r1")).body).toEqual({ error_msg: "missing configurations" });
    expect((await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", upstream: up, create_time: 1 })).body).toEqual({
      error_msg: "the property is forbidden:  create_time",
    });
    expect((await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", host: "a.com", hosts: ["b.com"], upstream: up })).body).toEqual({
      error_msg: "only one of host or hosts is allowed",
    });
    expect((await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", plugins: { nope: {} } })).body).toEqual({
      error_msg: "unknown plugin [nope]",
    });
    const ts = await c.call("PUT", "/apisix/admin/routes/r1", {
      uri: "/a",
      upstream: up,
      plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ weight: -1 }] }] } },
    });
    expect(ts.status).toBe(400);
    expect(ts.body.error_msg).toMatch(/^failed to check the configuration of plugin traffic-split err: .*expected -1 to be at least 0$/);
    const arr = await c.call("PUT", "/apisix/admin/routes/r1", [1, 2]);
    expect(arr.status).toBe(400);
    expect(arr.body.error_msg).toBe("invalid configuration: wrong type: expected object, got array");
  });

  it("survives garbage paths and encodings", async () => {
    expect((await c.call("GET", "/apisix/admin/routes/%E0%A4%A")).status).toBe(400);
    expect((await c.call("GET", "/apisix/admin")).status).toBe(404);
    expect((await c.call("GET", "/other")).status).toBe(404);
    expect((await c.call("GET", "/apisix/admin/routes/r1/extra")).status).toBe(404);
  });
});

describe("list filters", () => {
  it("filters by label, name, service_id and pages", async () => {
    await c.call("PUT", "/apisix/admin/services/s1", {});
    await c.call("PUT", "/apisix/admin/routes/r1", { uri: "/a", service_id: "s1", labels: { team: "x" }, name: "alpha" });
    await c.call("PUT", "/apisix/admin/routes/r2", { uri: "/b", upstream: up, labels: { team: "y" }, name: "beta" });
    expect((await c.call("GET", "/apisix/admin/routes?label=team:x")).body.total).toBe(1);
    expect((await c.call("GET", "/apisix/admin/routes?label=team")).body.total).toBe(2);
    expect((await c.call("GET", "/apisix/admin/routes?name=^b")).body.list[0].value.id).toBe("r2");
    expect((await c.call("GET", "/apisix/admin/routes?filter=service_id%3Ds1")).body.total).toBe(1);
    expect((await c.call("GET", "/apisix/admin/routes?page=1&page_size=5")).body).toEqual({
      error_msg: "page_size must be between 10 and 500",
    });
    expect((await c.call("GET", "/apisix/admin/routes?page=2&page_size=10")).body).toEqual({ total: 2, list: [] });
  });
});

describe("snapshot", () => {
  it("publishes a new immutable snapshot after each accepted write only", async () => {
    const before = c.gw.store.current();
    await c.call("PUT", "/apisix/admin/upstreams/u1", up);
    const after = c.gw.store.current();
    expect(after.version).toBe(before.version + 1);
    expect(after.upstreams.get("u1")).toMatchObject({ id: "u1", ...up });
    expect(Object.isFrozen(after.upstreams.get("u1"))).toBe(true);
    expect(before.upstreams.size).toBe(0);
    await c.call("PUT", "/apisix/admin/upstreams/u2", { nodes: "bad" });
    expect(c.gw.store.current()).toBe(after);
  });
});
