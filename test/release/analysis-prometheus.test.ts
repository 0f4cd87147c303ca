/**
 * The analysis by PromQL against a real Prometheus server (Debian's package; the test fails without it) that scrapes
 * two embedded gateways every second. The same window is measured from `exporterUrls` at the same time: both modes
 * must agree, and the p99 must be what Prometheus' own histogram_quantile says.
 */
import { request } from "undici";
import type { RunningGateway } from "../../lib/gateway";
import { judgeWindow, openAnalysisWindow, type AnalysisTarget } from "../../lib/release/analysis";
import type { Backend } from "../helper/backends";
import { closedPort, putObject, splitService, startMetricsFixture, type MetricsFixture } from "../helper/metrics-fixture";
import type { PrometheusServer } from "../helper/prometheus-server";

jest.setTimeout(120_000);

let fixture: MetricsFixture | undefined;
let gateways: readonly RunningGateway[];
let blue: Backend;
let green: Backend;
let prometheus: PrometheusServer | undefined;
const agent = () => fixture!.agent;

beforeAll(async () => {
  fixture = await startMetricsFixture({ gateways: 2, prometheus: true });
  ({ blue, green, gateways, prometheus } = fixture);
});

afterAll(() => fixture?.close());

/** The service on both gateways: blue upstream, traffic-split 1:1 to green, the prometheus plugin. */
async function defineService(id: string): Promise<void> {
  for (const gw of gateways) {
    await putObject(gw, `services/${id}`, splitService(blue, green, { prometheus: {} }));
    await putObject(gw, `routes/${id}`, { uri: `/${id}/*`, service_id: id });
  }
}

async function traffic(id: string, perGateway: number): Promise<void> {
  for (const gw of gateways) {
    for (let i = 0; i < perGateway; i++) {
      const res = await request(`${gw.proxyUrl}/${id}/cart`, { dispatcher: agent() });
      await res.body.text();
    }
  }
}

/** Waits until Prometheus has scraped `count` requests of service `id`. */
async function scraped(id: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [r] = await prometheus!.query(`sum(apisix_http_status{service="${id}"})`);
    if ((r?.value ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`Prometheus saw ${r?.value ?? 0} of ${count} requests of ${id} within 30 s`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

describe("analysis by PromQL against a real Prometheus", () => {
  it("measures the window as the exporters do, and its p99 is Prometheus' histogram_quantile", async () => {
    await defineService("shop");
    const target: AnalysisTarget = { serviceId: "shop", nodeIps: ["127.0.0.3"] };
    const byQuery = await openAnalysisWindow({ prometheusUrl: prometheus!.url }, target);
    const byScrape = await openAnalysisWindow({ exporterUrls: gateways.map((g) => g.metricsUrl) }, target);
    await traffic("shop", 10); // 10 to green, fast
    green.delayMs = 30;
    await traffic("shop", 10); // 10 to green, >= 30 ms
    green.delayMs = 0;
    green.status = 500;
    await traffic("shop", 4); // 4 to green, 500
    green.status = 200;
    await scraped("shop", 48);
    const [q, s] = await Promise.all([byQuery.close(), byScrape.close()]);

    expect(q.requests).toBe(24);
    expect(q.successRatePercent).toBeCloseTo((20 / 24) * 100, 10);
    expect({ requests: s.requests, successRatePercent: s.successRatePercent, p99Ms: s.p99Ms }).toEqual({
      requests: q.requests,
      successRatePercent: q.successRatePercent,
      p99Ms: q.p99Ms,
    });
    // the service had no traffic before the window, so the window's buckets are the counters themselves
    const [p99] = await prometheus!.query(
      'histogram_quantile(0.99, sum by (le) (apisix_http_latency_bucket{service="shop",type="request",node="127.0.0.3"}))',
      q.end,
    );
    expect(q.p99Ms).toBeGreaterThanOrEqual(30);
    expect(q.p99Ms).toBeCloseTo(p99.value, 9);
    expect(judgeWindow(q, { minSuccessRatePercent: 99, minRequests: 20 })).toEqual({
      verdict: "fail",
      figures: q,
      reasons: ["success rate 83.33% < 99% (24 requests)"],
    });
  });

  it("does not count what happened before the window, and is inconclusive without traffic", async () => {
    await defineService("cart");
    await traffic("cart", 6);
    await scraped("cart", 12);
    const target: AnalysisTarget = { serviceId: "cart", nodeIps: ["127.0.0.3"] };
    const quiet = await openAnalysisWindow({ prometheusUrl: prometheus!.url }, target);
    await new Promise((r) => setTimeout(r, 1500)); // at least one more scrape of the unchanged counters
    const figures = await quiet.close();
    expect(figures).toMatchObject({ requests: 0, successRatePercent: undefined, p99Ms: undefined });
    expect(judgeWindow(figures, { minSuccessRatePercent: 99, maxP99Ms: 500, minRequests: 1 })).toMatchObject({
      verdict: "inconclusive",
      reason: "0 requests in the window, fewer than minRequests (1)",
    });

    const busy = await openAnalysisWindow({ prometheusUrl: `${prometheus!.url}/` }, target);
    await traffic("cart", 4);
    await scraped("cart", 20);
    expect(await busy.close()).toMatchObject({ requests: 4, successRatePercent: 100 });
  });

  it("fails at once, naming Prometheus, when it does not answer", async () => {
    const port = await closedPort();
    await expect(openAnalysisWindow({ prometheusUrl: `http://127.0.0.1:${port}` }, { serviceId: "shop", nodeIps: ["127.0.0.3"] })).rejects.toThrow(
      new RegExp(`^cannot read Prometheus at http://127\\.0\\.0\\.1:${port} \\(query apisix_http_\\S+\\): .*ECONNREFUSED`),
    );
  });
});
