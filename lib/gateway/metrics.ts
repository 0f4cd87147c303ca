/**
 * The metric families of APISIX's `prometheus` plugin (apisix/plugins/prometheus/exporter.lua, APISIX 3.18):
 * `apisix_http_status`, `apisix_http_latency` and `apisix_bandwidth`, with APISIX's names, help texts, label names
 * (in APISIX's order) and latency buckets. Served in the text exposition format by prom-client from a registry of
 * its own (never prom-client's global one), so several gateways can run in one process. Every family is registered
 * at start-up, so its HELP/TYPE lines are served before the first request is counted.
 */
import { Counter, Histogram, Registry } from "prom-client";

/** Where APISIX's export server serves the metrics (`plugin_attr.prometheus.export_uri`). */
export const METRICS_PATH = "/apisix/prometheus/metrics";

/** APISIX's `DEFAULT_BUCKETS` for `apisix_http_latency`, in milliseconds. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];

/** Who produced the response (`core.response.get_response_source`). */
export type ResponseSource = "upstream" | "nginx" | "apisix";

/** One request through an object that enables the plugin, as the log phase sees it. */
export interface RequestRecord {
  /** The status sent to the client (`$status`). */
  readonly code: number;
  /** Route id (or name with `prefer_name`). */
  readonly route: string;
  /** The route's uri pattern that matched, e.g. `/shop/*`. */
  readonly matchedUri: string;
  /** The route's (or service's) host pattern that matched; "" when the route has none. */
  readonly matchedHost: string;
  /** The route's service id (or name with `prefer_name`); "" without a service. */
  readonly service: string;
  /** The IP of the upstream node the gateway connected to last (`ctx.balancer_ip`); "" when none. */
  readonly node: string;
  readonly responseSource: ResponseSource;
  /** Whole request, ms. */
  readonly latencyMs: number;
  /** Time spent on upstreams (all tries), ms; undefined when no upstream was tried. */
  readonly upstreamLatencyMs: number | undefined;
  /** `$request_length`: request line, headers and body as received. */
  readonly requestBytes: number;
  /** `$bytes_sent`: status line, headers and body sent to the client. */
  readonly sentBytes: number;
}

// APISIX 3.18 sets these nginx variables per request; for a plain proxied request they are constant.
const REQUEST_TYPE = "traditional_http";
const NO_MODEL = "";

const STATUS_LABELS = [
  "code", "route", "matched_uri", "matched_host", "service", "consumer", "node",
  "request_type", "request_llm_model", "llm_model", "response_source",
] as const;
const PER_TYPE_LABELS = ["type", "route", "service", "consumer", "node", "request_type", "request_llm_model", "llm_model"] as const;

/** The gateway's metrics registry. */
export class GatewayMetrics {
  private readonly registry = new Registry();
  private readonly status = new Counter({
    name: "apisix_http_status",
    help: "HTTP status codes per service in APISIX",
    labelNames: STATUS_LABELS,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "apisix_http_latency",
    help: "HTTP request latency in milliseconds per service in APISIX",
    labelNames: PER_TYPE_LABELS,
    buckets: [...LATENCY_BUCKETS_MS],
    registers: [this.registry],
  });
  private readonly bandwidth = new Counter({
    name: "apisix_bandwidth",
    help: "Total bandwidth in bytes consumed per service in APISIX",
    labelNames: PER_TYPE_LABELS,
    registers: [this.registry],
  });

  /** The Content-Type of `exposition()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts one request (the plugin's log phase, `exporter.http_log`). */
  record(r: RequestRecord): void {
    // consumer: no auth plugin runs in the embedded gateway, so there is never a consumer.
    const request = { request_type: REQUEST_TYPE, request_llm_model: NO_MODEL, llm_model: NO_MODEL };
    this.status.inc({
      code: String(r.code),
      route: r.route,
      matched_uri: r.matchedUri,
      matched_host: r.matchedHost,
      service: r.service,
      consumer: "",
      node: r.node,
      ...request,
      response_source: r.responseSource,
    });
    const labels = (type: string) => ({ type, route: r.route, service: r.service, consumer: "", node: r.node, ...request });
    // log-util.latency_details_in_ms: apisix = request - upstream, never negative.
    this.latency.observe(labels("request"), r.latencyMs);
    if (r.upstreamLatencyMs !== undefined) this.latency.observe(labels("upstream"), r.upstreamLatencyMs);
    this.latency.observe(labels("apisix"), Math.max(0, r.latencyMs - (r.upstreamLatencyMs ?? 0)));
    this.bandwidth.inc(labels("ingress"), r.requestBytes);
    this.bandwidth.inc(labels("egress"), r.sentBytes);
  }

  /** The text exposition of every family. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
