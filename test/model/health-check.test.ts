/**
 * The health gate's model side: the `health_check` block built from the props (nothing in it derived from `active`)
 * and `colorsWithTraffic`, the inverse of `buildServiceRequests`, over every combination of the props that shape a
 * service body.
 */
import { buildHealthCheck, buildServiceRequests, type ServiceSpec } from "../../lib/model/blue-green";
import { COLORS, type Color } from "../../lib/model/specs";
import { colorsWithTraffic } from "../../lib/model/traffic-colors";
import { gatewayRequestSchema, healthCheckSchema } from "../../lib/model/gateway-request";
import { gatewayTarget, objectRequest } from "../../lib/model/hook-input";

type Flavor = "apisix" | "api7-ee";

const BLUE = { nodes: [{ host: "10.0.1.10", port: 8080 }, { host: "10.0.1.11", port: 8081, weight: 3 }] } as const;
const GREEN = { nodes: [{ host: "green.internal", port: 443 }], scheme: "https" } as const;

function spec(flavor: Flavor, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    placement: flavor === "apisix" ? { flavor } : { flavor, gatewayGroupId: "g" },
    owner: "o",
    serviceId: "shop",
    blue: BLUE,
    green: GREEN,
    active: "blue",
    healthCheck: { path: "/healthz" },
    ...extra,
  };
}

describe("buildHealthCheck", () => {
  test("the service id, defaults written out; both colors' nodes with their scheme (http by default)", () => {
    expect(buildHealthCheck(spec("apisix"))).toEqual({
      service_id: "shop",
      path: "/healthz",
      expect_status: 200,
      timeout_ms: 2000,
      targets: {
        blue: [
          { scheme: "http", host: "10.0.1.10", port: 8080 },
          { scheme: "http", host: "10.0.1.11", port: 8081 },
        ],
        green: [{ scheme: "https", host: "green.internal", port: 443 }],
      },
    });
  });

  test("explicit expectStatus and timeoutMs; the block parses with the hook's schema", () => {
    const hc = buildHealthCheck(spec("api7-ee", { healthCheck: { path: "/ready?deep=1", expectStatus: 204, timeoutMs: 500 } }));
    expect(hc).toMatchObject({ path: "/ready?deep=1", expect_status: 204, timeout_ms: 500 });
    expect(healthCheckSchema.parse(hc)).toEqual(hc);
  });

  test("a block written before service_id was added still parses: a destroy reads the inputs already in the state", () => {
    const { service_id: _written, ...before } = buildHealthCheck(spec("apisix"))!;
    expect(healthCheckSchema.parse(before)).toEqual(before);
  });

  test("no healthCheck, no block (and buildServiceRequests carries none)", () => {
    expect(buildHealthCheck(spec("apisix", { healthCheck: undefined }))).toBeUndefined();
    expect("healthCheck" in buildServiceRequests(spec("apisix", { healthCheck: undefined }))).toBe(false);
    expect(buildServiceRequests(spec("apisix")).healthCheck).toEqual(buildHealthCheck(spec("apisix")));
  });

  test("the same block whatever active and canaryPercent are (a flip changes only weights)", () => {
    for (const flavor of ["apisix", "api7-ee"] as const) {
      const blocks = [
        buildHealthCheck(spec(flavor, { active: "blue" })),
        buildHealthCheck(spec(flavor, { active: "green" })),
        buildHealthCheck(spec(flavor, { active: "green", canaryPercent: 10 })),
        buildHealthCheck(spec(flavor, { active: "blue", preview: { header: "X-Env" } })),
      ];
      for (const b of blocks) expect(b).toEqual(blocks[0]);
    }
  });

  test("retireIdle declares only the active color", () => {
    expect(Object.keys(buildHealthCheck(spec("apisix", { active: "green", retireIdle: true }))!.targets)).toEqual(["green"]);
    expect(Object.keys(buildHealthCheck(spec("api7-ee", { active: "blue", retireIdle: true }))!.targets)).toEqual(["blue"]);
  });

  test("nodes with weight 0 take no traffic and are not probed", () => {
    const hc = buildHealthCheck(spec("apisix", { blue: { nodes: [{ host: "a", port: 1, weight: 0 }, { host: "b", port: 2 }] } }));
    expect(hc!.targets.blue).toEqual([{ scheme: "http", host: "b", port: 2 }]);
  });

  test("a color with passHost rewrite is probed with its upstreamHost as the Host header", () => {
    const hc = buildHealthCheck(
      spec("apisix", { green: { nodes: [{ host: "10.0.2.10", port: 8080 }], passHost: "rewrite", upstreamHost: "green.shop.internal" } }),
    );
    expect(hc!.targets.green).toEqual([{ scheme: "http", host: "10.0.2.10", port: 8080, host_header: "green.shop.internal" }]);
    expect(hc!.targets.blue!.every((t) => !("host_header" in t))).toBe(true);
    expect(healthCheckSchema.parse(hc)).toEqual(hc);
  });

  test("grpc colors cannot be probed with an http GET", () => {
    expect(() => buildHealthCheck(spec("apisix", { green: { nodes: [{ host: "g", port: 1 }], scheme: "grpc" } }))).toThrow(
      'healthCheck probes http and https colors only, but green.scheme is "grpc"',
    );
  });

  test("objectRequest adds health_check only when given; both parse with the hook's schema", () => {
    const gateway = gatewayTarget({ adminUrl: "http://127.0.0.1:9180" });
    const { service, healthCheck } = buildServiceRequests(spec("apisix"));
    const without = objectRequest(service, gateway, "s/service");
    expect("health_check" in without).toBe(false);
    const withBlock = objectRequest(service, gateway, "s/service", false, healthCheck);
    expect(withBlock.health_check).toEqual(healthCheck);
    expect(gatewayRequestSchema.parse(withBlock)).toEqual(withBlock);
    expect(gatewayRequestSchema.parse(without)).toEqual(without);
  });
});

describe("colorsWithTraffic is the inverse of buildServiceRequests", () => {
  const cases: Array<[Flavor, Color, number, boolean, boolean]> = [];
  for (const flavor of ["apisix", "api7-ee"] as const)
    for (const active of COLORS)
      for (const canaryPercent of [0, 10])
        for (const retireIdle of [false, true])
          for (const preview of [false, true]) cases.push([flavor, active, canaryPercent, retireIdle, preview]);

  test.each(cases)("%s, active %s, canary %d, retireIdle %s, preview %s", (flavor, active, canaryPercent, retireIdle, preview) => {
    const s = spec(flavor, { active, canaryPercent, retireIdle, preview: preview ? { header: "X-Env" } : undefined });
    const { service, healthCheck } = buildServiceRequests(s);
    const declared = COLORS.filter((c) => healthCheck!.targets[c] !== undefined);
    const expected: Color[] = retireIdle || canaryPercent === 0 ? [active] : ["blue", "green"];
    expect(colorsWithTraffic(service.body, flavor, "shop", declared)).toEqual(expected);
    // on APISIX the body alone names the colors
    if (flavor === "apisix") expect(colorsWithTraffic(service.body, flavor, "shop")).toEqual(expected);
  });
});

describe("colorsWithTraffic on bodies the model does not build", () => {
  const BLUE_ID = "shop-blue-0123abcd";
  const GREEN_ID = "shop-green-4567ef89";
  const split = (...rules: unknown[]) => ({ upstream_id: BLUE_ID, plugins: { "traffic-split": { rules } } });

  test("an unknown upstream_id is an error, not a guess", () => {
    for (const id of ["other", "shop-blue", "shop-green", "shops-green-4567ef89", "shop-blue-0123ABCD"]) {
      expect(() => colorsWithTraffic(split({ weighted_upstreams: [{ upstream_id: id, weight: 1 }] }), "apisix", "shop")).toThrow(
        `upstream_id "${id}" is not an upstream of service shop ` +
          "(expected shop-blue-<8 hex digits> or shop-green-<8 hex digits>)",
      );
    }
  });

  test("the first rule without match decides; preview rules never count", () => {
    const body = split(
      { match: [{ vars: [["http_x_env", "==", "green"]] }], weighted_upstreams: [{ upstream_id: GREEN_ID, weight: 1 }] },
      { weighted_upstreams: [{ upstream_id: GREEN_ID, weight: 0 }, { upstream_id: BLUE_ID, weight: 100 }] },
      { weighted_upstreams: [{ upstream_id: GREEN_ID, weight: 100 }] },
    );
    expect(colorsWithTraffic(body, "apisix", "shop")).toEqual(["blue"]);
  });

  test("only match rules: unmatched traffic goes to the service's default upstream", () => {
    const body = split({ match: [{ vars: [["arg_x", "==", "1"]] }], weighted_upstreams: [{ upstream_id: GREEN_ID, weight: 1 }] });
    expect(colorsWithTraffic(body, "apisix", "shop")).toEqual(["blue"]);
  });

  test("a weight-only entry is the default upstream; a missing weight is 1", () => {
    const body = { upstream_id: GREEN_ID, plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{}] }] } } };
    expect(colorsWithTraffic(body, "apisix", "shop")).toEqual(["green"]);
  });

  test("api7-ee without traffic-split and several declared colors: all of them (nothing goes unchecked)", () => {
    const body = { upstream: { nodes: [{ host: "a", port: 1, weight: 1 }] } };
    expect(colorsWithTraffic(body, "api7-ee", "shop", ["blue", "green"])).toEqual(["blue", "green"]);
    expect(colorsWithTraffic(body, "api7-ee", "shop", ["green"])).toEqual(["green"]);
  });
});
