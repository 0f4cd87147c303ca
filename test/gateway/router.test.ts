import type { GatewayConfig, ConfigObject } from "../../lib/gateway/config-snapshot";
import { compileRouter } from "../../lib/gateway/router";
import type { Flavor } from "../../lib/model/gateway-request";

type Objs = Record<string, Record<string, unknown>>;

function config(routes: Objs, services: Objs = {}, flavor: Flavor = "apisix"): GatewayConfig {
  const map = (o: Objs) => new Map<string, ConfigObject>(Object.entries(o).map(([id, v]) => [id, { ...v, id }]));
  return { flavor, version: 1, routes: map(routes), services: map(services), upstreams: new Map() };
}

function matchId(
  cfg: GatewayConfig,
  path: string,
  opts: { method?: string; host?: string; vars?: Record<string, string>; remoteAddr?: string } = {},
): string | undefined {
  const router = compileRouter(cfg);
  const vars = opts.vars ?? {};
  return router.match({
    path,
    method: opts.method ?? "GET",
    host: opts.host,
    remoteAddr: opts.remoteAddr ?? "127.0.0.1",
    vars: (n) => vars[n],
  })?.route.id;
}

const up = { upstream: { nodes: { "127.0.0.1:1": 1 } } };

describe("router (apisix)", () => {
  test("exact beats prefix, longer prefix beats shorter, regardless of priority", () => {
    const cfg = config({
      all: { uri: "/*", priority: 100, ...up },
      api: { uri: "/api/*", ...up },
      apiv1: { uri: "/api/v1/*", ...up },
      exact: { uri: "/api/v1/users", priority: -5, ...up },
    });
    expect(matchId(cfg, "/api/v1/users")).toBe("exact");
    expect(matchId(cfg, "/api/v1/users/1")).toBe("apiv1");
    expect(matchId(cfg, "/api/v2")).toBe("api");
    expect(matchId(cfg, "/other")).toBe("all");
    expect(matchId(cfg, "/api")).toBe("all");
  });

  test("uris and `/foo*` prefixes", () => {
    const cfg = config({ r: { uris: ["/a", "/b*"], ...up } });
    expect(matchId(cfg, "/a")).toBe("r");
    expect(matchId(cfg, "/bcd")).toBe("r");
    expect(matchId(cfg, "/a/x")).toBeUndefined();
  });

  test("priority among routes of the same path, then insertion order", () => {
    const cfg = config({
      low: { uri: "/p", priority: 1, ...up },
      high: { uri: "/p", priority: 10, ...up },
      tie: { uri: "/p", priority: 10, ...up },
    });
    expect(matchId(cfg, "/p")).toBe("high");
  });

  test("methods, hosts with wildcards, service hosts, vars, remote_addrs, status", () => {
    const cfg = config(
      {
        get: { uri: "/m", methods: ["GET"], ...up },
        post: { uri: "/m", methods: ["POST", "PUT"], ...up },
        wild: { uri: "/h", hosts: ["*.example.com"], ...up },
        exactHost: { uri: "/h", host: "api.example.com", priority: 1, ...up },
        svcHost: { uri: "/s", service_id: "s1", ...up },
        vars: { uri: "/v", vars: [["http_x_env", "==", "green"]], ...up },
        remote: { uri: "/ip", remote_addrs: ["10.0.0.0/8"], ...up },
        off: { uri: "/off", status: 0, ...up },
      },
      { s1: { hosts: ["svc.example.com"] } },
    );
    expect(matchId(cfg, "/m", { method: "GET" })).toBe("get");
    expect(matchId(cfg, "/m", { method: "PUT" })).toBe("post");
    expect(matchId(cfg, "/m", { method: "DELETE" })).toBeUndefined();
    expect(matchId(cfg, "/h", { host: "api.example.com" })).toBe("exactHost");
    expect(matchId(cfg, "/h", { host: "a.b.example.com" })).toBe("wild");
    expect(matchId(cfg, "/h", { host: "example.com" })).toBeUndefined();
    expect(matchId(cfg, "/h")).toBeUndefined();
    expect(matchId(cfg, "/s", { host: "svc.example.com" })).toBe("svcHost");
    expect(matchId(cfg, "/s", { host: "other.example.com" })).toBeUndefined();
    expect(matchId(cfg, "/v", { vars: { http_x_env: "green" } })).toBe("vars");
    expect(matchId(cfg, "/v")).toBeUndefined();
    expect(matchId(cfg, "/ip", { remoteAddr: "10.2.3.4" })).toBe("remote");
    expect(matchId(cfg, "/ip", { remoteAddr: "11.2.3.4" })).toBeUndefined();
    expect(matchId(cfg, "/off")).toBeUndefined();
  });

  test("a route whose vars cannot compile never matches; a route's hosts override the service's", () => {
    const cfg = config(
      {
        bad: { uri: "/x", vars: [["a", "=", "b"]], ...up },
        own: { uri: "/o", service_id: "s1", hosts: ["own.example"], ...up },
      },
      { s1: { hosts: ["svc.example"] } },
    );
    expect(matchId(cfg, "/x")).toBeUndefined();
    expect(matchId(cfg, "/o", { host: "own.example" })).toBe("own");
    expect(matchId(cfg, "/o", { host: "svc.example" })).toBeUndefined();
  });

  test("route with a missing service still matches (the data plane answers 404)", () => {
    const router = compileRouter(config({ r: { uri: "/r", service_id: "ghost" } }));
    const m = router.match({ path: "/r", method: "GET", host: undefined, remoteAddr: "", vars: () => undefined });
    expect(m?.serviceId).toBe("ghost");
    expect(m?.service).toBeUndefined();
  });

  test("needsBody when a route reads post_arg_*", () => {
    expect(compileRouter(config({ r: { uri: "/", vars: [["post_arg_a", "==", "1"]] } })).needsBody).toBe(true);
    expect(compileRouter(config({ r: { uri: "/", vars: [["arg_a", "==", "1"]] } })).needsBody).toBe(false);
  });
});

describe("router (api7-ee)", () => {
  test("paths, service hosts and path_prefix with strip", () => {
    const cfg = config(
      {
        users: { paths: ["/users", "/users/*"], service_id: "s1" },
        other: { paths: ["/x"], service_id: "s2" },
      },
      {
        s1: { hosts: ["shop.example"], path_prefix: "/api", upstream: up.upstream },
        s2: { path_prefix: "/keep", strip_path_prefix: false, upstream: up.upstream },
      },
      "api7-ee",
    );
    const router = compileRouter(cfg);
    const m = (path: string, host?: string) =>
      router.match({ path, method: "GET", host, remoteAddr: "", vars: () => undefined });
    expect(m("/api/users", "shop.example")?.route.id).toBe("users");
    expect(m("/api/users/7", "shop.example")?.stripPrefix).toBe("/api");
    expect(m("/users", "shop.example")).toBeUndefined();
    expect(m("/api/users", "else.example")).toBeUndefined();
    expect(m("/keep/x")?.route.id).toBe("other");
    expect(m("/keep/x")?.stripPrefix).toBeUndefined();
  });

  test("a route under a service with hosts beats one under a service without, whatever their priority", () => {
    const cfg = config(
      { hostless: { paths: ["/r"], service_id: "open", priority: 10 }, hosted: { paths: ["/r"], service_id: "shop" } },
      { open: { upstream: up.upstream }, shop: { hosts: ["shop.example"], upstream: up.upstream } },
      "api7-ee",
    );
    expect(matchId(cfg, "/r", { host: "shop.example" })).toBe("hosted");
    expect(matchId(cfg, "/r", { host: "else.example" })).toBe("hostless");
  });

  test("disabled EE service disables its routes", () => {
    const cfg = config({ r: { paths: ["/r"], service_id: "s" } }, { s: { status: 0, upstream: up.upstream } }, "api7-ee");
    expect(matchId(cfg, "/r")).toBeUndefined();
  });
});
