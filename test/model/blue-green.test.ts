import {
  buildRouteRequest,
  buildServiceRequests,
  colorWeights,
  headerVar,
  scopedPath,
  type ServiceSpec,
} from "../../lib/model/blue-green";
import { canonicalPath } from "../../lib/model/admin-paths";
import { SERVICE_ID_MAX_LENGTH } from "../../lib/model/props-schemas";
import { parseUpstreamId, upstreamId } from "../../lib/model/upstream-ids";
import { ID_MAX_LENGTH, ID_PATTERN } from "../../lib/schemas/common";
import { checkObject } from "../../lib/schemas";

const LABELS = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "o" };
const BLUE = { nodes: [{ host: "mock.api7.ai", port: 443, weight: 100 }], scheme: "https", passHost: "node" } as const;
const GREEN = { nodes: [{ host: "httpbin.org", port: 443 }], scheme: "https", passHost: "node" } as const;
const GREEN_INLINE = { type: "roundrobin", scheme: "https", pass_host: "node", nodes: [{ host: "httpbin.org", port: 443, weight: 1 }] };
const BLUE_INLINE = { type: "roundrobin", scheme: "https", pass_host: "node", nodes: [{ host: "mock.api7.ai", port: 443, weight: 100 }] };

const apisix = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  placement: { flavor: "apisix" },
  owner: "o",
  serviceId: "s",
  blue: BLUE,
  green: GREEN,
  active: "green",
  ...extra,
});
/**
 * The upstream ids of BLUE and GREEN: the first 8 hex digits of the sha256 of the body without name and labels, with
 * sorted keys: `{"nodes":[{"host":"mock.api7.ai","port":443,"weight":100}],"pass_host":"node","scheme":"https","type":"roundrobin"}`.
 */
const BLUE_ID = "s-blue-729ecd62";
const GREEN_ID = "s-green-fabea6b1";
const ee = (extra: Partial<ServiceSpec> = {}): ServiceSpec => apisix({ placement: { flavor: "api7-ee", gatewayGroupId: "g" }, ...extra });

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
      path: `/apisix/admin/upstreams/${BLUE_ID}`,
      body: { name: "s-blue", type: "roundrobin", scheme: "https", pass_host: "node", nodes: BLUE.nodes, labels: LABELS },
    });
    expect(r.upstreams.green!.path).toBe(`/apisix/admin/upstreams/${GREEN_ID}`);
    expect(r.upstreams.green!.body.name).toBe("s-green");
    expect(r.service).toEqual({
      method: "PUT",
      path: "/apisix/admin/services/s",
      body: {
        name: "s",
        labels: LABELS,
        upstream_id: BLUE_ID,
        plugins: {
          "traffic-split": {
            rules: [{ weighted_upstreams: [{ upstream_id: GREEN_ID, weight: 100 }, { upstream_id: BLUE_ID, weight: 0 }] }],
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
      { match: [{ vars: [["http_x_env", "==", "v2"]] }], weighted_upstreams: [{ upstream_id: GREEN_ID, weight: 1 }] },
      { match: [{ vars: [["http_x_env", "==", "blue"]] }], weighted_upstreams: [{ upstream_id: BLUE_ID, weight: 1 }] },
      { weighted_upstreams: [{ upstream_id: GREEN_ID, weight: 100 }, { upstream_id: BLUE_ID, weight: 0 }] },
    ]);
  });

  test("retireIdle drops the idle upstream and the plugin", () => {
    const r = buildServiceRequests(apisix({ retireIdle: true, preview: { header: "X-Env" } }));
    expect(Object.keys(r.upstreams)).toEqual(["green"]);
    expect(r.service.body).toEqual({ name: "s", labels: LABELS, upstream_id: GREEN_ID });
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

describe("upstream ids follow the upstream's content (apisix)", () => {
  const ids = (extra: Partial<ServiceSpec> = {}) => {
    const { upstreams } = buildServiceRequests(apisix(extra));
    return { blue: upstreams.blue?.path.split("/").pop(), green: upstreams.green?.path.split("/").pop() };
  };

  test("new nodes (or any other upstream field) give that color a new id; the other color keeps its own", () => {
    const base = ids();
    expect(base).toEqual({ blue: BLUE_ID, green: GREEN_ID });
    const moved = ids({ blue: { ...BLUE, nodes: [{ host: "mock.api7.ai", port: 8443, weight: 100 }] } });
    expect(moved.green).toBe(GREEN_ID);
    expect(moved.blue).not.toBe(BLUE_ID);
    expect(parseUpstreamId(moved.blue, "s")?.color).toBe("blue");
    expect(ids({ blue: { ...BLUE, readTimeoutSec: 5 } }).blue).not.toBe(BLUE_ID);
    expect(ids({ blue: { ...BLUE, nodes: [{ ...BLUE.nodes[0], weight: 5 }] } }).blue).not.toBe(BLUE_ID);
  });

  test("a flip, a canary step, a preview, hosts, the name and the owner keep every id (labels and name are not hashed)", () => {
    for (const extra of [
      { active: "blue" as const },
      { canaryPercent: 30 },
      { preview: { header: "X-Env" } },
      { hosts: ["a.example.com"] },
      { name: "renamed" },
      { owner: "someone-else" },
    ]) {
      expect(ids(extra)).toEqual({ blue: BLUE_ID, green: GREEN_ID });
    }
    expect(ids({ retireIdle: true })).toEqual({ blue: undefined, green: GREEN_ID });
  });

  test("parseUpstreamId reads back what upstreamId builds, and nothing else", () => {
    expect(parseUpstreamId(upstreamId("s", "green", "0123abcd"), "s")).toEqual({ color: "green", contentHash: "0123abcd" });
    expect(parseUpstreamId(BLUE_ID, "s")).toEqual({ color: "blue", contentHash: "729ecd62" });
    for (const id of ["s-blue", "s-green", "s-blue-729ECD62", "s-blue-729ecd6", "s-blue-729ecd620", "t-blue-729ecd62", "s-red-729ecd62", 7, undefined]) {
      expect(parseUpstreamId(id, "s")).toBeUndefined();
    }
    // a service whose id starts like another's: each reads only its own ids
    expect(parseUpstreamId("s-blue-green-729ecd62", "s")).toBeUndefined();
    expect(parseUpstreamId("s-blue-green-729ecd62", "s-blue")?.color).toBe("green");
  });

  test("the longest service id still gives upstream ids the gateway accepts", () => {
    const serviceId = "x".repeat(SERVICE_ID_MAX_LENGTH);
    const r = buildServiceRequests(apisix({ serviceId }));
    for (const color of ["blue", "green"] as const) {
      const id = r.upstreams[color]!.path.split("/").pop()!;
      expect(id.length).toBeLessThanOrEqual(ID_MAX_LENGTH);
      expect(id).toMatch(ID_PATTERN);
      expect(parseUpstreamId(id, serviceId)?.color).toBe(color);
    }
    expect(r.upstreams.green!.path.split("/").pop()).toHaveLength(ID_MAX_LENGTH);
    expect(checkObject("services", r.service.body, "apisix")).toEqual(expect.objectContaining({ ok: true }));
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
    expect(buildRouteRequest({ placement: { flavor: "apisix" }, owner: "o", serviceId: "s", routeId: "r", paths: ["/a"], hosts: ["h"] })).toEqual({
      method: "PUT",
      path: "/apisix/admin/routes/r",
      body: { name: "r", labels: LABELS, uris: ["/a"], hosts: ["h"], service_id: "s" },
    });
  });
  test("api7-ee", () => {
    const r = buildRouteRequest({
      placement: { flavor: "api7-ee", gatewayGroupId: "g" },
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
      buildRouteRequest({ placement: { flavor: "api7-ee", gatewayGroupId: "g" }, owner: "o", serviceId: "s", routeId: "r", paths: ["/"], hosts: ["h"] }),
    ).toThrow(/no hosts/);
  });
});
