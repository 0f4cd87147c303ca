/**
 * The embedded gateway's `prometheus` plugin and metrics listener, through real requests: backends on 127.0.0.2
 * (blue) and 127.0.0.3 (green) so the `node` label tells them apart, a real gateway (startGateway), and the
 * metrics read back over HTTP from its metrics URL.
 */
import { request } from "undici";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { LATENCY_BUCKETS_MS } from "../../lib/gateway/metrics";
import { parseExposition, type Exposition, type Sample } from "../../lib/release/exposition";
import { startBackend, type Backend } from "../helper/backends";
import { closedPort, putObject, splitService, startMetricsFixture, upstreamOf as up, type MetricsFixture } from "../helper/metrics-fixture";

const KEY = "metrics-test-key";
let fixture: MetricsFixture | undefined;
let gw: RunningGateway;
let blue: Backend;
let green: Backend;
const agent = () => fixture!.agent;

beforeAll(async () => {
  fixture = await startMetricsFixture();
  ({ blue, green } = fixture);
  gw = fixture.gateways[0];
});

afterAll(() => fixture?.close());

afterEach(() => {
  blue.status = green.status = 200;
});

const admin = (path: string, body: unknown) => putObject(gw, path, body);

async function send(path: string, times: number, headers: Record<string, string> = {}): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < times; i++) {
    const res = await request(gw.proxyUrl + path, { headers, dispatcher: agent() });
    await res.body.text();
    codes.push(res.statusCode);
  }
  return codes;
}

async function scrape(): Promise<Exposition> {
  const res = await request(gw.metricsUrl, { dispatcher: agent() });
  const text = await res.body.text();
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain/);
  return parseExposition(text, gw.metricsUrl);
}

function pick(e: Exposition, name: string, labels: Record<string, string>): Sample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function total(e: Exposition, name: string, labels: Record<string, string>): number {
  return pick(e, name, labels).reduce((sum, s) => sum + s.value, 0);
}

const service = (plugins: Record<string, unknown>) => splitService(blue, green, plugins);

describe("the metrics listener", () => {
  it("serves every family's HELP and TYPE from start-up, before any request is counted", async () => {
    expect(gw.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apisix\/prometheus\/metrics$/);
    const fresh = await startGateway({ adminPort: 0, proxyPort: 0, metricsPort: 0, adminKey: KEY });
    try {
      const res = await request(fresh.metricsUrl, { dispatcher: agent() });
      const e = parseExposition(await res.body.text());
      expect(e.families.get("apisix_http_status")).toEqual({
        name: "apisix_http_status",
        help: "HTTP status codes per service in APISIX",
        type: "counter",
        samples: [],
      });
      expect(e.families.get("apisix_http_latency")).toEqual({
        name: "apisix_http_latency",
        help: "HTTP request latency in milliseconds per service in APISIX",
        type: "histogram",
        samples: [],
      });
      expect(e.families.get("apisix_bandwidth")).toEqual({
        name: "apisix_bandwidth",
        help: "Total bandwidth in bytes consumed per service in APISIX",
        type: "counter",
        samples: [],
      });
    } finally {
      await fresh.close();
    }
  });

  it("answers 404 to anything but GET on the metrics path", async () => {
    const base = gw.metricsUrl.replace(/\/apisix\/prometheus\/metrics$/, "");
    for (const [method, path] of [["GET", "/"], ["GET", "/apisix/prometheus"], ["POST", "/apisix/prometheus/metrics"]]) {
      const res = await request(base + path, { method: method as "GET", dispatcher: agent() });
      await res.body.text();
      expect(res.statusCode).toBe(404);
    }
    const withQuery = await request(`${gw.metricsUrl}?x=1`, { dispatcher: agent() });
    await withQuery.body.text();
    expect(withQuery.statusCode).toBe(200);
  });

  it("listens on a free port, not 9091, when the other ports are free ones and no metrics port is given", async () => {
    const other = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY });
    try {
      expect(new URL(other.metricsUrl).port).not.toBe("9091");
    } finally {
      await other.close();
    }
  });
});

describe("the prometheus plugin", () => {
  it("counts requests through a traffic-split service per code, node and service, with APISIX's labels", async () => {
    await admin("services/shop", service({ prometheus: {} }));
    await admin("routes/shop", { uri: "/shop/*", service_id: "shop" });
    expect(await send("/shop/cart", 20)).toEqual(Array(20).fill(200));

    const e = await scrape();
    const status = pick(e, "apisix_http_status", { service: "shop" });
    expect(status).toHaveLength(2);
    expect(status.find((s) => s.labels.node === "127.0.0.3")).toEqual({
      name: "apisix_http_status",
      labels: {
        code: "200",
        route: "shop",
        matched_uri: "/shop/*",
        matched_host: "",
        service: "shop",
        consumer: "",
        node: "127.0.0.3",
        request_type: "traditional_http",
        request_llm_model: "",
        llm_model: "",
        response_source: "upstream",
      },
      value: 10,
    });
    expect(total(e, "apisix_http_status", { service: "shop", node: "127.0.0.2", code: "200" })).toBe(10);

    for (const node of ["127.0.0.2", "127.0.0.3"]) {
      for (const type of ["request", "upstream", "apisix"]) {
        const labels = { type, route: "shop", service: "shop", consumer: "", node };
        const buckets = pick(e, "apisix_http_latency_bucket", labels);
        expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS_MS.map(String), "+Inf"]);
        const counts = buckets.map((b) => b.value);
        expect([...counts].sort((a, b) => a - b)).toEqual(counts); // cumulative
        expect(counts[counts.length - 1]).toBe(10);
        expect(total(e, "apisix_http_latency_count", labels)).toBe(10);
        expect(total(e, "apisix_http_latency_sum", labels)).toBeGreaterThanOrEqual(0);
      }
      const ingress = total(e, "apisix_bandwidth", { type: "ingress", service: "shop", node });
      const egress = total(e, "apisix_bandwidth", { type: "egress", service: "shop", node });
      expect(ingress).toBeGreaterThanOrEqual(10 * "GET /shop/cart HTTP/1.1\r\n\r\n".length);
      expect(egress).toBeGreaterThanOrEqual(10 * "HTTP/1.1 200 OK\r\n\r\n".length);
    }
    expect(Object.keys(pick(e, "apisix_bandwidth", { service: "shop" })[0].labels)).toEqual([
      "type", "route", "service", "consumer", "node", "request_type", "request_llm_model", "llm_model",
    ]);
  });

  it("counts a backend's 5xx with its code, on the node that answered it", async () => {
    await admin("services/broken", service({ prometheus: {} }));
    await admin("routes/broken", { uri: "/broken", service_id: "broken" });
    green.status = 500;
    const codes = await send("/broken", 10);
    expect(codes.filter((c) => c === 500)).toHaveLength(5);

    const e = await scrape();
    expect(total(e, "apisix_http_status", { service: "broken", node: "127.0.0.3", code: "500" })).toBe(5);
    expect(total(e, "apisix_http_status", { service: "broken", node: "127.0.0.3", code: "200" })).toBe(0);
    expect(total(e, "apisix_http_status", { service: "broken", node: "127.0.0.2", code: "200" })).toBe(5);
    expect(total(e, "apisix_http_status", { service: "broken", code: "500", response_source: "upstream" })).toBe(5);
  });

  it("puts a slow backend's time in the request and upstream latencies, not in apisix's", async () => {
    await admin("services/slow", service({ prometheus: {} }));
    await admin("routes/slow", { uri: "/slow", service_id: "slow" });
    green.delayMs = 120;
    try {
      await send("/slow", 4);
    } finally {
      green.delayMs = 0;
    }
    const e = await scrape();
    const sum = (type: string, node: string) => total(e, "apisix_http_latency_sum", { service: "slow", type, node });
    const bucket = (type: string, le: string) => total(e, "apisix_http_latency_bucket", { service: "slow", type, node: "127.0.0.3", le });
    expect(sum("upstream", "127.0.0.3")).toBeGreaterThanOrEqual(2 * 120);
    for (const node of ["127.0.0.2", "127.0.0.3"]) {
      // apisix = request - upstream, per request (log-util.latency_details_in_ms)
      expect(sum("apisix", node)).toBeCloseTo(sum("request", node) - sum("upstream", node), 6);
    }
    // at least 120 ms: nothing at or below the 100 ms bound
    expect([bucket("request", "100"), bucket("upstream", "100"), bucket("request", "+Inf"), bucket("upstream", "+Inf")]).toEqual([0, 0, 2, 2]);
  });

  it("labels a refused connection 502 with the IP it tried and response_source nginx", async () => {
    const port = await closedPort("127.0.0.3");
    await admin("routes/refused", {
      uri: "/refused",
      plugins: { prometheus: {} },
      upstream: { type: "roundrobin", nodes: { [`127.0.0.3:${port}`]: 1 } },
    });
    expect(await send("/refused", 3)).toEqual([502, 502, 502]);
    const e = await scrape();
    expect(pick(e, "apisix_http_status", { route: "refused" }).map((s) => s.labels)).toEqual([
      expect.objectContaining({ code: "502", service: "", node: "127.0.0.3", response_source: "nginx" }),
    ]);
    expect(total(e, "apisix_http_status", { route: "refused" })).toBe(3);
    expect(total(e, "apisix_http_latency_count", { route: "refused", type: "upstream" })).toBe(3);
  });

  it("labels a host-name node with the IP the gateway connected to", async () => {
    const local = await startBackend("local", { host: "127.0.0.1" });
    try {
      await admin("routes/by-name", {
        uri: "/by-name",
        plugins: { prometheus: {} },
        upstream: { type: "roundrobin", nodes: { [`localhost:${local.port}`]: 1 } },
      });
      expect(await send("/by-name", 2)).toEqual([200, 200]);
      const e = await scrape();
      expect(pick(e, "apisix_http_status", { route: "by-name" }).map((s) => [s.labels.node, s.value])).toEqual([["127.0.0.1", 2]]);
    } finally {
      await local.close();
    }
  });

  it("does not count requests through objects without the plugin, or with it disabled", async () => {
    await admin("services/quiet", service({}));
    await admin("routes/quiet", { uri: "/quiet", service_id: "quiet" });
    await admin("services/off", service({ prometheus: { _meta: { disable: true } } }));
    await admin("routes/off", { uri: "/off", service_id: "off" });
    await admin("routes/plain", { uri: "/plain", upstream: up(blue) });
    await admin("routes/no-route-plugin", { uri: "/route-off", service_id: "shop", plugins: { prometheus: { _meta: { disable: true } } } });
    expect(await send("/quiet", 4)).toEqual(Array(4).fill(200));
    expect(await send("/off", 4)).toEqual(Array(4).fill(200));
    expect(await send("/plain", 4)).toEqual(Array(4).fill(200));
    expect(await send("/route-off", 4)).toEqual(Array(4).fill(200));
    expect(await send("/nowhere", 2)).toEqual([404, 404]);

    const e = await scrape();
    for (const family of ["apisix_http_status", "apisix_http_latency_count", "apisix_bandwidth"]) {
      const routes = new Set(pick(e, family, {}).map((s) => s.labels.route));
      for (const quiet of ["quiet", "off", "plain", "no-route-plugin", ""]) expect(routes).not.toContain(quiet);
    }
  });

  it("labels by name with prefer_name, and with the matched host pattern", async () => {
    await admin("services/named", { name: "shop-svc", hosts: ["*.example.com"], upstream: up(blue) });
    await admin("routes/named", { name: "shop-route", uri: "/named", service_id: "named", plugins: { prometheus: { prefer_name: true } } });
    expect(await send("/named", 2, { host: "a.example.com" })).toEqual([200, 200]);
    const e = await scrape();
    expect(pick(e, "apisix_http_status", { route: "shop-route" }).map((s) => s.labels)).toEqual([
      expect.objectContaining({ service: "shop-svc", matched_uri: "/named", matched_host: "*.example.com", node: "127.0.0.2" }),
    ]);
  });
});
