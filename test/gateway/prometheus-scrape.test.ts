/**
 * A real Prometheus server scrapes the embedded gateway's metrics listener every second; requests go through a
 * traffic-split service to blue (127.0.0.2) and green (127.0.0.3); PromQL over Prometheus' HTTP API finds them on
 * the right node. Needs `prometheus` on PATH (Debian's package; .ci/run installs it): the test fails without it.
 */
import { request } from "undici";
import type { RunningGateway } from "../../lib/gateway";
import type { Backend } from "../helper/backends";
import { putObject, splitService, startMetricsFixture, upstreamOf, type MetricsFixture } from "../helper/metrics-fixture";
import type { PrometheusServer } from "../helper/prometheus-server";

jest.setTimeout(120_000);

let fixture: MetricsFixture | undefined;
let gw: RunningGateway;
let blue: Backend;
let green: Backend;
let prometheus: PrometheusServer | undefined;
const agent = () => fixture!.agent;

beforeAll(async () => {
  fixture = await startMetricsFixture({ prometheus: true });
  ({ blue, green, prometheus } = fixture);
  gw = fixture.gateways[0];
});

afterAll(() => fixture?.close());

const admin = (path: string, body: unknown) => putObject(gw, path, body);

/** Polls `promql` until `done(result)` or 30 s. */
async function eventually<T>(promql: string, shape: (r: { metric: Record<string, string>; value: number }[]) => T, done: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = shape(await prometheus!.query(promql));
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const byLabel = (label: string) => (r: { metric: Record<string, string>; value: number }[]) =>
  Object.fromEntries(r.map((s) => [s.metric[label], s.value]));

describe("Prometheus scraping the embedded gateway", () => {
  it("scrapes the families' HELP and TYPE before any request is counted", async () => {
    await prometheus!.waitForTargetsUp();
    const meta = (await prometheus!.api("/api/v1/targets/metadata?metric=apisix_http_latency")) as { type: string; help: string }[];
    expect(meta).toEqual([expect.objectContaining({ type: "histogram", help: "HTTP request latency in milliseconds per service in APISIX" })]);
  });

  it("attributes the requests of a traffic-split service to the node that served them", async () => {
    await admin("services/shop", splitService(blue, green, { prometheus: {} }, 1, 3));
    await admin("routes/shop", { uri: "/shop/*", service_id: "shop" });
    await admin("routes/elsewhere", { uri: "/elsewhere", upstream: upstreamOf(green) }); // no plugin: never counted
    green.status = 500;
    for (let i = 0; i < 40; i++) {
      const res = await request(`${gw.proxyUrl}/shop/cart`, { dispatcher: agent() });
      await res.body.text();
      const other = await request(`${gw.proxyUrl}/elsewhere`, { dispatcher: agent() });
      await other.body.text();
    }

    const perNode = await eventually(
      'sum by (node) (apisix_http_status{service="shop"})',
      byLabel("node"),
      (v) => (v["127.0.0.2"] ?? 0) + (v["127.0.0.3"] ?? 0) >= 40,
    );
    expect(perNode).toEqual({ "127.0.0.2": 30, "127.0.0.3": 10 });
    expect(byLabel("code")(await prometheus!.query('sum by (code) (apisix_http_status{service="shop",node="127.0.0.3"})'))).toEqual({
      "500": 10,
    });
    expect(await prometheus!.query('apisix_http_status{route="elsewhere"}')).toEqual([]);

    // The success rate as Flagger's APISIX provider writes it, per color ("or ... * 0": a color without a
    // single non-5xx answer has no numerator series at all).
    const all = 'sum by (node) (apisix_http_status{service="shop"})';
    const ok = 'sum by (node) (apisix_http_status{service="shop",code!~"5.."})';
    const rate = byLabel("node")(await prometheus!.query(`(${ok} or ${all} * 0) / ${all} * 100`));
    expect(rate).toEqual({ "127.0.0.2": 100, "127.0.0.3": 0 });

    const counts = byLabel("node")(
      await prometheus!.query('sum by (node) (apisix_http_latency_count{service="shop",type="request"})'),
    );
    expect(counts).toEqual({ "127.0.0.2": 30, "127.0.0.3": 10 });
    const infBuckets = byLabel("node")(
      await prometheus!.query('sum by (node) (apisix_http_latency_bucket{service="shop",type="request",le="+Inf"})'),
    );
    expect(infBuckets).toEqual(counts);
    const p99 = await prometheus!.query(
      'histogram_quantile(0.99, sum by (le) (apisix_http_latency_bucket{service="shop",type="request"}))',
    );
    expect(p99).toHaveLength(1);
    expect(p99[0].value).toBeGreaterThan(0);
    expect(p99[0].value).toBeLessThanOrEqual(60_000);
  });
});
