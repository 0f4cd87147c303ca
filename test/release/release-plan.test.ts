/**
 * The pure parts of a release: the shares of each color in the service bodies the model builds (both flavours), the
 * same body with other weights, what a write is (create, plain, move, nodes), and the input contract.
 */
import { buildServiceRequests, type ServiceSpec } from "../../lib/model/blue-green";
import { checkProps, formatIssues } from "../../lib/model/props-schemas";
import { planRelease, previewBody, stepWeights } from "../../lib/release/release-plan";
import { buildReleaseInput, releaseInputSchema, releasePropsSchema } from "../../lib/release/release-input";
import { colorShares, describeShares, withColorWeights, type BodyScope } from "../../lib/release/weights";

const FLAVORS = ["apisix", "api7-ee"] as const;

function spec(flavor: (typeof FLAVORS)[number], over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    placement: flavor === "apisix" ? { flavor } : { flavor, gatewayGroupId: "default" },
    owner: "test",
    serviceId: "shop",
    blue: { nodes: [{ host: "127.0.0.2", port: 8080 }] },
    green: { nodes: [{ host: "127.0.0.3", port: 8080 }] },
    preview: { header: "X-Env" },
    active: "blue",
    ...over,
  };
}
const bodyOf = (s: ServiceSpec) => buildServiceRequests(s).service.body;

describe.each(FLAVORS)("weights of %s service bodies", (flavor) => {
  const scope: BodyScope = { flavor, serviceId: "shop" };

  it("reads the shares of the main rule, ignoring the preview rules", () => {
    expect(colorShares(bodyOf(spec(flavor)), scope)).toEqual({ blue: 100, green: 0 });
    expect(colorShares(bodyOf(spec(flavor, { active: "green" })), scope)).toEqual({ blue: 0, green: 100 });
    expect(colorShares(bodyOf(spec(flavor, { canaryPercent: 10 })), scope)).toEqual({ blue: 90, green: 10 });
  });

  it("reads a service without traffic-split as everything on its own upstream", () => {
    const retired = bodyOf(spec(flavor, { active: "green", retireIdle: true }));
    expect(colorShares(retired, { ...scope, declared: ["green"] })).toEqual({ blue: 0, green: 100 });
  });

  it("sets only the weights of the main rule", () => {
    const body = bodyOf(spec(flavor, { active: "green" }));
    const step = withColorWeights(body, scope, stepWeights("green", 10));
    expect(colorShares(step, scope)).toEqual({ blue: 90, green: 10 });
    // everything but the main rule's weights is the declared body
    expect(withColorWeights(step, scope, { blue: 0, green: 100 })).toEqual(body);
    expect(colorShares(body, scope)).toEqual({ blue: 0, green: 100 }); // the input is not changed
  });

  it("plans a flip as a move through the steps between the two shares", () => {
    const blue = bodyOf(spec(flavor));
    const green = bodyOf(spec(flavor, { active: "green" }));
    const plan = planRelease(blue, green, scope, [10, 50]);
    expect(plan).toMatchObject({ kind: "move", gaining: "green", watched: ["green"] });
    expect(plan.kind === "move" && plan.steps).toEqual([
      { percent: 10, final: false },
      { percent: 50, final: false },
      { percent: 100, final: true },
    ]);
    // a canary from 10 to 20: no configured step lies between
    const canary = planRelease(bodyOf(spec(flavor, { canaryPercent: 10 })), bodyOf(spec(flavor, { canaryPercent: 20 })), scope, [10, 50]);
    expect(canary.kind === "move" && canary.steps).toEqual([{ percent: 20, final: true }]);
    // a revert moves traffic toward blue
    const revert = planRelease(green, blue, scope, [10, 50]);
    expect(revert).toMatchObject({ kind: "move", gaining: "blue" });
    expect(revert.kind === "move" && revert.steps.map((s) => s.percent)).toEqual([10, 50, 100]);
  });

  it("plans a node change of the live color as watched without steps, and anything else as a plain write", () => {
    const blue = bodyOf(spec(flavor));
    const newBlueNodes = bodyOf(spec(flavor, { blue: { nodes: [{ host: "127.0.0.2", port: 9090 }] } }));
    expect(planRelease(blue, newBlueNodes, scope, [10, 50])).toMatchObject({
      kind: "nodes",
      gaining: "blue",
      watched: ["blue"],
      steps: [{ percent: 100, final: true }],
    });
    const newGreenNodes = bodyOf(spec(flavor, { green: { nodes: [{ host: "127.0.0.3", port: 9090 }] } }));
    expect(planRelease(blue, newGreenNodes, scope, [10, 50]).kind).toBe("plain"); // green takes no traffic
    expect(planRelease(blue, bodyOf(spec(flavor, { name: "Shop" })), scope, [10]).kind).toBe("plain");
    expect(planRelease(undefined, blue, scope, [10]).kind).toBe("create");
  });

  it("writes the declared preview rules first only when the live ones do not reach the declared nodes", () => {
    const blue = bodyOf(spec(flavor));
    expect(previewBody(blue, bodyOf(spec(flavor, { active: "green" })))).toBeUndefined();
    const moved = bodyOf(spec(flavor, { active: "green", green: { nodes: [{ host: "127.0.0.3", port: 9090 }] } }));
    const preview = previewBody(blue, moved)!;
    expect(colorShares(preview, scope)).toEqual({ blue: 100, green: 0 }); // traffic stays
    expect(previewBody(preview, moved)).toBeUndefined();
  });
});

describe("describeShares", () => {
  it("names the colors that take traffic", () => {
    expect(describeShares({ blue: 100, green: 0 })).toBe("blue 100%");
    expect(describeShares({ blue: 90, green: 10 })).toBe("blue 90%, green 10%");
    expect(describeShares({ blue: 200 / 3, green: 100 / 3 })).toBe("blue 66.7%, green 33.3%");
  });
});

describe("release input", () => {
  const props = {
    steps: [10, 50],
    stepIntervalSec: 30,
    checks: [{ path: "/shop/health", method: "GET" as const, expectStatus: 200, count: 10 }],
    analysis: {
      exporterUrls: ["http://127.0.0.1:9091/apisix/prometheus/metrics"],
      minSuccessRatePercent: 99,
      maxP99Ms: 500,
      minRequests: 20,
    },
  };

  it("turns the props into the hook input's release block, every default written out", () => {
    expect(releasePropsSchema.safeParse(props).success).toBe(true);
    const input = buildReleaseInput(props, {
      proxyUrl: "http://127.0.0.1:9080/",
      preview: { header: "X-Env" },
      hosts: ["*.shop.test", "shop.test"],
      nodes: { blue: [{ host: "127.0.0.2", port: 8080, weight: 1 }], green: [{ host: "127.0.0.3", port: 8080 }] },
    });
    expect(input).toEqual({
      steps: [10, 50],
      step_interval_sec: 30,
      checks: [{ path: "/shop/health", method: "GET", expect_status: 200, count: 10, timeout_ms: 5000 }],
      analysis: {
        exporter_urls: ["http://127.0.0.1:9091/apisix/prometheus/metrics"],
        min_success_rate_percent: 99,
        max_p99_ms: 500,
        min_requests: 20,
        max_inconclusive_windows: 3,
      },
      proxy_url: "http://127.0.0.1:9080",
      preview: { header: "X-Env", values: { blue: "blue", green: "green" } },
      hosts: ["*.shop.test", "shop.test"],
      targets: { blue: [{ host: "127.0.0.2", port: 8080 }], green: [{ host: "127.0.0.3", port: 8080 }] },
    });
    expect(releaseInputSchema.parse(JSON.parse(JSON.stringify(input)))).toEqual(input);
  });

  it("names the field, the value and what is allowed", () => {
    const bad = {
      steps: [50, 10],
      stepIntervalSec: 0,
      checks: [{ path: "health", expectStatus: 700 }],
      analysis: { exporterUrls: ["x"], prometheusUrl: "http://p:9090", minRequests: 0 },
    };
    const issues = checkProps(releasePropsSchema, bad);
    expect(formatIssues(bad, issues, (v) => JSON.stringify(v))).toEqual(
      expect.arrayContaining([
        "steps must be in strictly increasing order, e.g. [10, 50], got [50,10]",
        "stepIntervalSec must be a number of seconds greater than 0 and at most 3600, got 0",
        'checks[0].path must be a path starting with "/" without whitespace (a query string is allowed), got "health"',
        "checks[0].expectStatus must be an integer from 100 to 599, got 700",
        'analysis.exporterUrls[0] must be an http(s) url, e.g. http://127.0.0.1:9091/apisix/prometheus/metrics, got "x"',
        "analysis.minRequests must be an integer from 1 to 1000000000, got 0",
        expect.stringMatching(/^analysis must set exactly one of exporterUrls .* or prometheusUrl, got /),
        expect.stringMatching(/^analysis must set minSuccessRatePercent, maxP99Ms or both/),
      ]),
    );
    const nothing = { stepIntervalSec: 1 };
    expect(formatIssues(nothing, checkProps(releasePropsSchema, nothing), String)).toEqual([
      "checks must list at least one check when analysis is not set (nothing would be verified), got undefined",
    ]);
  });
});
