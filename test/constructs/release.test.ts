/**
 * `BlueGreenService.release` and `GatewayConnection.proxyUrl` at synth time: the service's hook input carries the
 * release block, `analysis` enables the `prometheus` plugin, a flip still changes only weights, and the two synth
 * errors (no proxyUrl; colors sharing a literal node IP under analysis).
 */
import { Testing } from "../../lib/cdk";
import type { BlueGreenServiceProps } from "../../lib/constructs/blue-green-service";
import { resourceRequest } from "../../lib/drift/read-stack";
import { build, diffPaths, fails, type Flavor } from "./fixtures";

const PROXY = { proxyUrl: "http://127.0.0.1:9080/" };
const RELEASE = {
  steps: [10, 50],
  stepIntervalSec: 30,
  checks: [{ path: "/shop/health", count: 10 }],
  analysis: { exporterUrls: ["http://127.0.0.1:9091/apisix/prometheus/metrics"], minSuccessRatePercent: 99, maxP99Ms: 500, minRequests: 20 },
} as const;
const BLUE = { nodes: [{ host: "127.0.0.2", port: 8080 }] };
const GREEN = { nodes: [{ host: "127.0.0.3", port: 8080 }] };

function synthJson(flavor: Flavor, svc: Partial<BlueGreenServiceProps>): any {
  return JSON.parse(Testing.synth(build(flavor, { blue: BLUE, green: GREEN, ...svc }, {}, PROXY).stack));
}
/** The service object's hook request (kept in a Terraform local, see lib/model/request-local.ts). */
const serviceInput = (json: any) => resourceRequest(json, json.resource.terraform_data.service_E754E327) as any;

describe.each<Flavor>(["apisix", "api7-ee"])("release on %s", (flavor) => {
  test("the service's hook input carries the release block, every default written out", () => {
    const input = serviceInput(synthJson(flavor, { release: RELEASE, preview: { header: "X-Env" }, hosts: ["shop.example.com"] }));
    expect(input.release).toEqual({
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
      hosts: ["shop.example.com"],
      targets: { blue: [{ host: "127.0.0.2", port: 8080 }], green: [{ host: "127.0.0.3", port: 8080 }] },
    });
  });

  test("analysis enables the prometheus plugin on the service; checks alone do not", () => {
    expect(serviceInput(synthJson(flavor, { release: RELEASE })).body.plugins.prometheus).toEqual({});
    expect(serviceInput(synthJson(flavor, { release: { stepIntervalSec: 1, checks: [{ path: "/" }] } })).body.plugins.prometheus).toBeUndefined();
    const retired = serviceInput(synthJson(flavor, { release: RELEASE, retireIdle: true, active: "green" }));
    expect(retired.body.plugins).toEqual({ prometheus: {} });
    expect(Object.keys(retired.release.targets)).toEqual(["green"]);
  });

  test("without release nothing changes: no release block, no prometheus plugin", () => {
    const json = JSON.stringify(synthJson(flavor, {}));
    expect(json).not.toContain('"release"');
    expect(json).not.toContain("prometheus");
  });

  test("release is static: flipping active changes only weights (in the request local and the traffic view)", () => {
    for (const extra of [{}, { preview: { header: "X-Env" } }, { canaryPercent: 25 }]) {
      const green = synthJson(flavor, { ...extra, release: RELEASE, active: "green" });
      const blue = synthJson(flavor, { ...extra, release: RELEASE, active: "blue" });
      const diffs = diffPaths(green, blue);
      expect(diffs.length).toBeGreaterThan(0);
      // the weights in the service's request (a local), and the per-color traffic view in its input
      for (const d of diffs) expect(d).toMatch(/^(locals\.[\w-]+\.body\..*\.weight|resource\.terraform_data\.service_E754E327\.input\.traffic\.(blue|green))$/);
    }
  });
});

describe("release validation", () => {
  test("release needs the connection's proxyUrl", () => {
    fails(
      () => build("apisix", { release: RELEASE }),
      "invalid props at stack/service: release needs the gateway's proxyUrl",
      "GatewayConnection at stack/gateway has proxyUrl undefined",
    );
  });
  test("proxyUrl is checked like adminUrl", () => {
    fails(() => build("apisix", {}, {}, { proxyUrl: "http://127.0.0.1:9080/shop" }), "invalid props at stack/gateway: proxyUrl must be an http(s) url without path", '"http://127.0.0.1:9080/shop"');
  });
  test("analysis refuses colors that share a literal node IP", () => {
    fails(
      () => build("apisix", { blue: BLUE, green: { nodes: [{ host: "127.0.0.9", port: 1 }, { host: "127.0.0.2", port: 9090 }] }, release: RELEASE }, {}, PROXY),
      "invalid props at stack/service: green.nodes[1].host must not be a node IP of blue too while release.analysis is set",
      'got "127.0.0.2"',
    );
    // checks alone, or hostnames (resolved by the hook), are fine
    expect(() => build("apisix", { blue: BLUE, green: BLUE, release: { stepIntervalSec: 1, checks: [{ path: "/" }] } }, {}, PROXY)).not.toThrow();
  });
  test("a bad release prop names the field and the value", () => {
    fails(() => build("apisix", { release: { ...RELEASE, steps: [50, 10] } }, {}, PROXY), "stack/service", "release.steps must be in strictly increasing order", "[50,10]");
  });
});
