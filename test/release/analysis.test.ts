/**
 * The analysis of real traffic from the gateways' own metrics endpoints (`exporterUrls`): two embedded gateways
 * (two "gateway nodes") with the same service, real backends on 127.0.0.2 (blue) and 127.0.0.3 (green) that are
 * switched to answer 500 or late, real requests through both gateways.
 */
import { request } from "undici";
import type { RunningGateway } from "../../lib/gateway";
import { judgeWindow, openAnalysisWindow, windowFigures, type AnalysisTarget, type MetricsSource } from "../../lib/release/analysis";
import { colorAddresses, nodeAddresses } from "../../lib/release/node-addresses";
import type { Backend } from "../helper/backends";
import { closedPort, putObject, splitService, startMetricsFixture, type MetricsFixture } from "../helper/metrics-fixture";

let fixture: MetricsFixture | undefined;
let gateways: readonly RunningGateway[];
let blue: Backend;
let green: Backend;
let source: MetricsSource;
const agent = () => fixture!.agent;
const GREEN: AnalysisTarget = { serviceId: "shop", nodeIps: ["127.0.0.3"] };
const BLUE: AnalysisTarget = { serviceId: "shop", nodeIps: ["127.0.0.2"] };

beforeAll(async () => {
  fixture = await startMetricsFixture({ gateways: 2 });
  ({ blue, green, gateways } = fixture);
  for (const gw of gateways) {
    await putObject(gw, "services/shop", splitService(blue, green, { prometheus: {} }));
    await putObject(gw, "routes/shop", { uri: "/shop/*", service_id: "shop" });
  }
  source = { exporterUrls: gateways.map((g) => g.metricsUrl) };
});

afterAll(() => fixture?.close());

afterEach(() => {
  green.status = 200;
  green.delayMs = 0;
});

/** `perGateway` requests through each gateway; half reach green (weights 1:1). */
async function traffic(perGateway: number): Promise<void> {
  for (const gw of gateways) {
    for (let i = 0; i < perGateway; i++) {
      const res = await request(`${gw.proxyUrl}/shop/cart`, { dispatcher: agent() });
      await res.body.text();
    }
  }
}

describe("analysis from exporterUrls", () => {
  it("measures only the window's requests to the color's nodes, summed over every gateway node", async () => {
    await traffic(10); // before the window: not counted
    const greenWindow = await openAnalysisWindow(source, GREEN);
    const blueWindow = await openAnalysisWindow(source, BLUE);
    await traffic(20);
    const [g, b] = await Promise.all([greenWindow.close(), blueWindow.close()]);
    expect(g).toMatchObject({ requests: 20, successRatePercent: 100 });
    expect(b).toMatchObject({ requests: 20, successRatePercent: 100 });
    expect(g.p99Ms).toBeGreaterThan(0);
    expect(g.p99Ms).toBeLessThanOrEqual(60_000);
    expect(g.start.getTime()).toBeLessThanOrEqual(g.end.getTime());
    expect(judgeWindow(g, { minSuccessRatePercent: 99, maxP99Ms: 60_000, minRequests: 20 })).toEqual({ verdict: "pass", figures: g });
  });

  it("fails a color that answers 500, with the success rate and the request count", async () => {
    const window = await openAnalysisWindow(source, GREEN);
    await traffic(20); // 20 to green, all 200
    green.status = 500;
    await traffic(20); // 20 to green, all 500
    const figures = await window.close();
    expect(figures).toMatchObject({ requests: 40, successRatePercent: 50 });
    expect(judgeWindow(figures, { minSuccessRatePercent: 99, minRequests: 20 })).toEqual({
      verdict: "fail",
      figures,
      reasons: ["success rate 50% < 99% (40 requests)"],
    });
  });

  it("fails a slow color on its p99, interpolated in the buckets as histogram_quantile does", async () => {
    const window = await openAnalysisWindow(source, GREEN);
    green.delayMs = 250;
    await traffic(6); // 6 to green, each at least 250 ms: all above the 200 ms bucket bound
    const figures = await window.close();
    expect(figures.requests).toBe(6);
    expect(figures.p99Ms).toBeGreaterThan(200);
    const verdict = judgeWindow(figures, { minSuccessRatePercent: 99, maxP99Ms: 100, minRequests: 5 });
    expect(verdict.verdict).toBe("fail");
    expect(verdict.verdict === "fail" && verdict.reasons).toEqual([expect.stringMatching(/^p99 \d+(\.\d)? ms > 100 ms \(6 requests\)$/)]);
  });

  it("calls a window with too few requests inconclusive, never passed", async () => {
    const window = await openAnalysisWindow(source, GREEN);
    await traffic(2); // 2 to green
    const figures = await window.close();
    expect(figures.requests).toBe(2);
    expect(judgeWindow(figures, { minSuccessRatePercent: 99, maxP99Ms: 500, minRequests: 20 })).toEqual({
      verdict: "inconclusive",
      figures,
      reason: "2 requests in the window, fewer than minRequests (20)",
    });
    const empty = await (await openAnalysisWindow(source, { serviceId: "other", nodeIps: ["127.0.0.3"] })).close();
    expect(empty).toMatchObject({ requests: 0, successRatePercent: undefined, p99Ms: undefined });
    expect(judgeWindow(empty, { minRequests: 1 }).verdict).toBe("inconclusive");
  });

  it("names the gateway node it cannot scrape, without the credentials in its URL", async () => {
    const port = await closedPort();
    const down = `http://metrics:s3cret@127.0.0.1:${port}/apisix/prometheus/metrics`;
    const error = await openAnalysisWindow({ exporterUrls: [gateways[0].metricsUrl, down] }, GREEN).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot read the metrics from http://\\*\\*\\*@127\\.0\\.0\\.1:${port}/apisix/prometheus/metrics: .*ECONNREFUSED`),
    );
    expect((error as Error).message).not.toContain("s3cret");
    const notMetrics = `${gateways[0].adminUrl}/apisix/admin/routes`;
    await expect(openAnalysisWindow({ exporterUrls: [notMetrics] }, GREEN)).rejects.toThrow(`cannot read the metrics from ${notMetrics}: HTTP 401 (expected 200)`);
  });

  it("refuses a source with neither or both of exporterUrls and prometheusUrl, and an empty list", async () => {
    await expect(openAnalysisWindow({} as MetricsSource, GREEN)).rejects.toThrow(/set exactly one of exporterUrls .* or prometheusUrl/);
    await expect(openAnalysisWindow({ exporterUrls: ["http://x"], prometheusUrl: "http://y" } as unknown as MetricsSource, GREEN)).rejects.toThrow(
      /set exactly one of/,
    );
    await expect(openAnalysisWindow({ exporterUrls: [] }, GREEN)).rejects.toThrow(/exporterUrls is empty/);
    await expect(openAnalysisWindow(source, { serviceId: "shop", nodeIps: [] })).rejects.toThrow(/service shop: no node IPs/);
  });
});

describe("windowFigures", () => {
  const s = (key: string, name: string, labels: Record<string, string>, value: number) => ({ key, name, labels, value });
  it("counts a series that appears in the window from 0, and a counter that went down (a restart) from 0", () => {
    const labels = { service: "shop", node: "127.0.0.3", code: "200" };
    const figures = windowFigures(
      [s("a", "apisix_http_status", labels, 50)],
      [s("a", "apisix_http_status", labels, 5), s("b", "apisix_http_status", { ...labels, code: "503" }, 5)],
      GREEN,
      new Date(0),
      new Date(1),
    );
    expect(figures).toMatchObject({ requests: 10, successRatePercent: 50 });
  });
});

describe("nodeAddresses", () => {
  it("keeps IPs and resolves host names to every address the gateway may connect to", async () => {
    expect(await nodeAddresses("127.0.0.3")).toEqual(["127.0.0.3"]);
    expect(await nodeAddresses("[::1]")).toEqual(["::1"]);
    expect(await nodeAddresses("localhost")).toContain("127.0.0.1");
    expect(await colorAddresses(["127.0.0.3", "127.0.0.3", "localhost"])).toEqual(expect.arrayContaining(["127.0.0.3", "127.0.0.1"]));
  });
});
