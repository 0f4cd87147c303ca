import {
  buildRouteRequest,
  buildServiceRequests,
  colorWeights,
  headerVar,
  scopedPath,
  type ServiceSpec,
} from "../../lib/model/blue-green";
import { canonicalPath } from "../../lib/model/admin-paths";
import { checkObject } from "../../lib/schemas";

const LABELS = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "o" };
const BLUE = { nodes: [{ host: "mock.api7.ai", port: 443, weight: 100 }], scheme: "https", passHost: "node" } as const;
const GREEN = { nodes: [{ host: "httpbin.org", port: 443 }], scheme: "https", passHost: "node" } as const;
const GREEN_INLINE = { type: "roundrobin", scheme: "https", pass_host: "node", nodes: [{ host: "httpbin.org", port: 443, weight: 1 }] };
const BLUE_INLINE = { type: "roundrobin", scheme: "https", pass_host: "node", nodes: [{ host: "mock.api7.ai", port: 443, weight: 100 }] };

const apisix = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  scope: { flavor: "apisix" },
  owner: "o",
  serviceId: "s",
  blue: BLUE,
  green: GREEN,
  active: "green",
  ...extra,
});
const ee = (extra: Partial<ServiceSpec> = {}): ServiceSpec => apisix({ scope: { flavor: "api7-ee", gatewayGroupId: "g" }, ...extra });

describe("scopedPath", () => {
  test("apisix and api7-ee paths", () => {
    expect(scopedPath("routes", "r", { flavor: "apisix" })).toBe("/apisix/admin/routes/r");
    expect(scopedPath("services", "s", { flavor: "api7-ee", gatewayGroupId: "g" })).toBe("/apisix/admin/services/s?gateway_group_id=g");
    expect(() => scopedPath("services", "s", { flavor: "api7-ee" })).toThrow(/gateway group/);
  });
  test("agrees with the client's canonical form", () => {
    const p = scopedPath("routes", "a.b_c-d", { flavor: "api7-ee", gatewayGroupId: "default" });
    expect(canonicalPath(p)).toBe(p);
  });
});

describe("weights and header vars", () => {
  test("colorWeights", () => {
    expect(colorWeights("green")).toEqual({ green: 100, blue: 0 });
    expect(colorWeights("blue", 10)).toEqual({ blue: 90, green: 10 });
    expect(colorWeights("green", 99)).toEqual({ green: 1, blue: 99 });
  });
  test("headerVar", () => {
    expect(headerVar("X-Env")).toBe("http_x_env");
    expect(headerVar("X-Canary-Group")).toBe("http_x_canary_group");
  });
});

describe("buildServiceRequests on apisix", () => {
  test("stored upstreams and a service-level traffic-split", () => {
    const r = buildServiceRequests(apisix());
    expect(r.upstreams.blue).toEqual({
      method: "PUT",
      path: "/apisix/admin/upstreams/s-blue",
      body: { name: "s-blue", type: "roundrobin", scheme: "https", pass_host: "node", nodes: BLUE.nodes, labels: LABELS },
    });
    expect(r.upstreams.green!.path).toBe("/apisix/admin/upstreams/s-green");
    expect(r.service).toEqual({
      method: "PUT",
      path: "/apisix/admin/services/s",
      body: {
        name: "s",
        labels: LABELS,
        upstream_id: "s-blue",
        plugins: {
          "traffic-split": {
            rules: [{ weighted_upstreams: [{ upstream_id: "s-green", weight: 100 }, { upstream_id: "s-blue", weight: 0 }] }],
          },
        },
      },
    });
  });

  test("preview rules come before the weighted rule", () => {
    const rules = (buildServiceRequests(apisix({ preview: { header: "X-Env", greenValue: "v2" } })).service.body as any).plugins[
      "traffic-split"
    ].rules;
    expect(rules).toEqual([
      { match: [{ vars: [["http_x_env", "==", "v2"]] }], weighted_upstreams: [{ upstream_id: "s-green", weight: 1 }] },
      { match: [{ vars: [["http_x_env", "==", "blue"]] }], weighted_upstreams: [{ upstream_id: "s-blue", weight: 1 }] },
      { weighted_upstreams: [{ upstream_id: "s-green", weight: 100 }, { upstream_id: "s-blue", weight: 0 }] },
    ]);
  });

  test("retireIdle drops the idle upstream and the plugin", () => {
    const r = buildServiceRequests(apisix({ retireIdle: true, preview: { header: "X-Env" } }));
    expect(Object.keys(r.upstreams)).toEqual(["green"]);
    expect(r.service.body).toEqual({ name: "s", labels: LABELS, upstream_id: "s-green" });
  });

  test("optional upstream fields only when set; timeouts filled to 60", () => {
    const r = buildServiceRequests(
      apisix({ blue: { nodes: [{ host: "a", port: 80 }], connectTimeoutSec: 3, retries: 2, passHost: "rewrite", upstreamHost: "h" } }),
    );
    expect(r.upstreams.blue!.body).toEqual({
      name: "s-blue",
      type: "roundrobin",
      pass_host: "rewrite",
      upstream_host: "h",
      nodes: [{ host: "a", port: 80, weight: 1 }],
      timeout: { connect: 3, send: 60, read: 60 },
      retries: 2,
      labels: LABELS,
    });
  });

  test("every body passes the gateway's own schema", () => {
    for (const extra of [{}, { preview: { header: "X-Env" } }, { canaryPercent: 10 }, { retireIdle: true }]) {
      const r = buildServiceRequests(apisix(extra));
      expect(checkObject("services", r.service.body, "apisix")).toEqual(expect.objectContaining({ ok: true }));
      for (const u of Object.values(r.upstreams)) expect(checkObject("upstreams", u!.body, "apisix")).toEqual(expect.objectContaining({ ok: true }));
    }
  });
});

describe("buildServiceRequests on api7-ee (the seed's payloads)", () => {
  test("blue is the service upstream, green inline, weight-only entry for blue", () => {
    const r = buildServiceRequests(ee());
    expect(r.upstreams).toEqual({});
    expect(r.service).toEqual({
      method: "PUT",
      path: "/apisix/admin/services/s?gateway_group_id=g",
      body: {
        name: "s",
        labels: LABELS,
        upstream: BLUE_INLINE,
        plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ upstream: GREEN_INLINE, weight: 100 }, { weight: 0 }] }] } },
      },
    });
  });

  test("preview: green inline, blue weight-only", () => {
    const rules = (buildServiceRequests(ee({ preview: { header: "X-Env" } })).service.body as any).plugins["traffic-split"].rules;
    expect(rules.slice(0, 2)).toEqual([
      { match: [{ vars: [["http_x_env", "==", "green"]] }], weighted_upstreams: [{ upstream: GREEN_INLINE, weight: 1 }] },
      { match: [{ vars: [["http_x_env", "==", "blue"]] }], weighted_upstreams: [{ weight: 1 }] },
    ]);
  });

  test("retireIdle: the active color inline, no plugins", () => {
    expect(buildServiceRequests(ee({ retireIdle: true })).service.body).toEqual({ name: "s", labels: LABELS, upstream: GREEN_INLINE });
    expect(buildServiceRequests(ee({ retireIdle: true, active: "blue" })).service.body).toEqual({ name: "s", labels: LABELS, upstream: BLUE_INLINE });
  });

  test("every body passes the EE schema", () => {
    for (const extra of [{}, { preview: { header: "X-Env" } }, { canaryPercent: 10 }, { retireIdle: true }]) {
      expect(checkObject("services", buildServiceRequests(ee(extra)).service.body, "api7-ee")).toEqual(expect.objectContaining({ ok: true }));
    }
  });
});

describe("service hosts", () => {
  test.each([
    ["apisix", apisix],
    ["api7-ee", ee],
  ] as const)("%s: hosts go on the service body, before the upstream, with or without retireIdle", (_flavor, spec) => {
    for (const retireIdle of [false, true]) {
      const body = buildServiceRequests(spec({ hosts: ["shop.example.com", "*.shop.example.com"], retireIdle })).service.body;
      expect(Object.keys(body).slice(0, 3)).toEqual(["name", "labels", "hosts"]);
      expect(body.hosts).toEqual(["shop.example.com", "*.shop.example.com"]);
    }
    expect(buildServiceRequests(spec()).service.body).not.toHaveProperty("hosts");
  });
});

describe("buildRouteRequest", () => {
  test("apisix", () => {
    expect(buildRouteRequest({ scope: { flavor: "apisix" }, owner: "o", serviceId: "s", routeId: "r", paths: ["/a"], hosts: ["h"] })).toEqual({
      method: "PUT",
      path: "/apisix/admin/routes/r",
      body: { name: "r", labels: LABELS, uris: ["/a"], hosts: ["h"], service_id: "s" },
    });
  });
  test("api7-ee", () => {
    const r = buildRouteRequest({
      scope: { flavor: "api7-ee", gatewayGroupId: "g" },
      owner: "o",
      serviceId: "s",
      routeId: "r",
      name: "n",
      methods: ["GET"],
      paths: ["/headers"],
      priority: 1,
    });
    expect(r).toEqual({
      method: "PUT",
      path: "/apisix/admin/routes/r?gateway_group_id=g",
      body: { name: "n", labels: LABELS, methods: ["GET"], paths: ["/headers"], priority: 1, service_id: "s" },
    });
    expect(checkObject("routes", r.body, "api7-ee")).toEqual(expect.objectContaining({ ok: true }));
    expect(() =>
      buildRouteRequest({ scope: { flavor: "api7-ee", gatewayGroupId: "g" }, owner: "o", serviceId: "s", routeId: "r", paths: ["/"], hosts: ["h"] }),
    ).toThrow(/no hosts/);
  });
});
