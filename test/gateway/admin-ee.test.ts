import { startAdmin, type AdminClient } from "./admin-helper";

const up = { type: "roundrobin", nodes: { "127.0.0.1:1980": 1 } };
const G = "gateway_group_id=default";
let c: AdminClient;

beforeEach(async () => {
  c = await startAdmin({ flavor: "api7-ee" });
});
afterEach(async () => {
  await c.gw.close();
});

describe("API7 EE flavour", () => {
  it("requires gateway_group_id", async () => {
    const res = await c.call("GET", "/apisix/admin/services");
    expect(res.status).toBe(400);
    expect(res.body.error_msg).toMatch(/^missing gateway_group_id/);
    expect((await c.call("GET", `/apisix/admin/services?${G}`)).body).toEqual({ list: [], total: 0 });
  });

  it("does not need gateway_group_id with an a7adm- key", async () => {
    const adm = await startAdmin({ flavor: "api7-ee", adminKey: "a7adm-secret" });
    try {
      const res = await adm.call("GET", "/apisix/admin/routes");
      expect(res.status).toBe(200);
    } finally {
      await adm.gw.close();
    }
  });

  it("has no standalone upstreams", async () => {
    const res = await c.call("PUT", `/apisix/admin/upstreams/u1?${G}`, up);
    expect(res.status).toBe(404);
    expect(res.body.error_msg).toMatch(/^resource not found/);
  });

  it("uses {value} envelopes, flat lists, paths + service_id routes", async () => {
    const svc = await c.call("PUT", `/apisix/admin/services/s1?${G}`, {
      name: "svc",
      type: "http",
      hosts: ["example.com"],
      path_prefix: "/api",
      strip_path_prefix: true,
      upstream: up,
    });
    expect(svc.status).toBe(201);
    expect(Object.keys(svc.body)).toEqual(["value"]);
    expect(svc.body.value).toMatchObject({ id: "s1", name: "svc", path_prefix: "/api" });

    const route = await c.call("PUT", `/apisix/admin/routes/r1?${G}`, {
      name: "r",
      paths: ["/headers"],
      service_id: "s1",
      methods: ["GET"],
      plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ upstream: up, weight: 10 }, { weight: 90 }] }] } },
    });
    expect(route.status).toBe(201);
    expect(route.body.value).toMatchObject({ id: "r1", paths: ["/headers"], service_id: "s1" });

    const one = await c.call("GET", `/apisix/admin/routes/r1?${G}`);
    expect(Object.keys(one.body)).toEqual(["value"]);
    const list = await c.call("GET", `/apisix/admin/routes?${G}&service_id=s1`);
    expect(list.body.total).toBe(1);
    expect(list.body.list[0].id).toBe("r1");
    expect(list.body.list[0].key).toBeUndefined();
    const missing = await c.call("GET", `/apisix/admin/routes/nope?${G}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error_msg).toBe("Key not found");
  });

  it("validates EE bodies and the parent service", async () => {
    const noSvc = await c.call("PUT", `/apisix/admin/routes/r1?${G}`, { name: "r", paths: ["/a"], service_id: "ghost" });
    expect(noSvc.status).toBe(400);
    expect(noSvc.body).toEqual({ error_msg: "failed to fetch service info by service id [ghost], response code: 404" });
    await c.call("PUT", `/apisix/admin/services/s1?${G}`, { name: "s", upstream: up });
    const withUpstream = await c.call("PUT", `/apisix/admin/routes/r1?${G}`, { paths: ["/a"], service_id: "s1", upstream: up });
    expect(withUpstream.body).toEqual({ error_msg: "invalid configuration: additional properties forbidden, found upstream" });
    const noServiceId = await c.call("PUT", `/apisix/admin/routes/r1?${G}`, { paths: ["/a"] });
    expect(noServiceId.body).toEqual({ error_msg: 'invalid configuration: property "service_id" is required' });
    const uri = await c.call("PUT", `/apisix/admin/routes/r1?${G}`, { uri: "/a", service_id: "s1" });
    expect(uri.status).toBe(400);
  });

  it("stores service-scoped upstreams and cascades a service delete", async () => {
    await c.call("PUT", `/apisix/admin/services/s1?${G}`, { name: "s", upstream: up });
    const u = await c.call("PUT", `/apisix/admin/services/s1/upstreams/green?${G}`, { ...up, name: "green" });
    expect(u.status).toBe(201);
    expect(u.body).toEqual({ value: expect.objectContaining({ id: "green", name: "green" }) });
    expect(c.gw.store.current().upstreams.get("s1/green")).toMatchObject({ id: "green" });
    const orphan = await c.call("PUT", `/apisix/admin/services/ghost/upstreams/x?${G}`, up);
    expect(orphan.body).toEqual({ error_msg: "failed to fetch service info by service id [ghost], response code: 404" });

    const list = await c.call("GET", `/apisix/admin/services/s1/upstreams?${G}`);
    expect(list.body.list.map((x: { id: string }) => x.id)).toEqual(["s1", "green"]);
    expect((await c.call("GET", `/apisix/admin/services/s1/upstreams/green?${G}`)).body.value.name).toBe("green");

    await c.call("PUT", `/apisix/admin/routes/r1?${G}`, { name: "r", paths: ["/a"], service_id: "s1" });
    const del = await c.call("DELETE", `/apisix/admin/services/s1?${G}`);
    expect(del.status).toBe(200);
    const snap = c.gw.store.current();
    expect(snap.routes.size).toBe(0);
    expect(snap.upstreams.size).toBe(0);
    expect(snap.services.size).toBe(0);
  });

  it("POSTs a service-scoped upstream with a generated id and PATCHes it", async () => {
    await c.call("PUT", `/apisix/admin/services/s1?${G}`, { name: "s" });
    const p = await c.call("POST", `/apisix/admin/services/s1/upstreams?${G}`, up);
    expect(p.status).toBe(201);
    const id = p.body.value.id;
    expect(id).toMatch(/^\d{20}$/);
    const patched = await c.call("PATCH", `/apisix/admin/services/s1/upstreams/${id}?${G}`, { labels: { a: "b" } });
    expect(patched.status).toBe(200);
    expect(patched.body.value.labels).toEqual({ a: "b" });
    expect((await c.call("DELETE", `/apisix/admin/services/s1/upstreams/${id}?${G}`)).status).toBe(200);
  });
});
