/**
 * The analysis of real traffic, Terraform-free: the success rate (non-5xx share) and the p99 latency of the requests
 * one color served through one service, over a window, from APISIX's prometheus plugin metrics
 * (`apisix_http_status` and `apisix_http_latency_bucket{type="request"}`, labels `service` and `node`):
 *
 * - `exporterUrls`: the gateways' own metrics endpoints, scraped when the window opens and when it closes; the
 *   counters' increases of every listed gateway node are summed.
 * - `prometheusUrl`: the same counters read with PromQL instant queries at the window's start and end, so Prometheus'
 *   own scrapes measure the window (it sees requests once it has scraped them: about one scrape interval late).
 *
 * Increases are taken per series, like Prometheus' `increase()` without its extrapolation: a series that appears
 * during the window started from 0, and a counter that went down (a gateway restarted) counts from 0 again. The p99
 * comes from the bucket increases, summed by `le`, as `histogram_quantile(0.99, ...)` computes it. A window with
 * fewer than `minRequests` requests is inconclusive, never passed.
 */
import { bucketQuantile, type Bucket } from "./histogram-quantile";
import { promqlString, queryPrometheus, scrapeExporters, type SeriesValue } from "./metric-series";

/** Where APISIX's metrics are read: the gateways' metrics endpoints, or a Prometheus server that scrapes them. */
export type MetricsSource =
  | { readonly exporterUrls: readonly string[]; readonly prometheusUrl?: undefined }
  | { readonly prometheusUrl: string; readonly exporterUrls?: undefined };

/** The thresholds of `release.analysis`. */
export interface AnalysisThresholds {
  /** Fail below this share of non-5xx answers, in percent. */
  readonly minSuccessRatePercent?: number;
  /** Fail above this p99 latency (whole request, as the gateway measures it), in ms. */
  readonly maxP99Ms?: number;
  /** Below this many requests a window is inconclusive. */
  readonly minRequests: number;
}

/** `release.analysis`: a source and thresholds. */
export type ReleaseAnalysis = MetricsSource & AnalysisThresholds;

/** Whose requests: the `service` label and the `node` label values (IPs) of the color's nodes. */
export interface AnalysisTarget {
  readonly serviceId: string;
  readonly nodeIps: readonly string[];
}

/** What a window measured. */
export interface WindowFigures {
  readonly start: Date;
  readonly end: Date;
  readonly requests: number;
  /** Non-5xx share in percent; undefined without requests. */
  readonly successRatePercent: number | undefined;
  /** undefined without latency observations. */
  readonly p99Ms: number | undefined;
}

/** The judgement of one window. */
export type WindowVerdict =
  | { readonly verdict: "pass"; readonly figures: WindowFigures }
  | { readonly verdict: "fail"; readonly figures: WindowFigures; readonly reasons: readonly string[] }
  | { readonly verdict: "inconclusive"; readonly figures: WindowFigures; readonly reason: string };

/** An open window: `close()` reads the end and returns the figures. */
export interface AnalysisWindow {
  readonly start: Date;
  close(): Promise<WindowFigures>;
}

const STATUS = "apisix_http_status";
const BUCKET = "apisix_http_latency_bucket";

/** Checks the source and the target; throws an error naming the field, the value and what is allowed. */
export function checkAnalysisInput(source: MetricsSource, target: AnalysisTarget): void {
  const hasExporters = source.exporterUrls !== undefined;
  const hasPrometheus = source.prometheusUrl !== undefined;
  if (hasExporters === hasPrometheus) {
    throw new Error("release analysis: set exactly one of exporterUrls (the gateways' metrics URLs) or prometheusUrl");
  }
  if (hasExporters && (!Array.isArray(source.exporterUrls) || source.exporterUrls.length === 0)) {
    throw new Error("release analysis: exporterUrls is empty; list the metrics URL of every gateway node, e.g. http://127.0.0.1:9091/apisix/prometheus/metrics");
  }
  if (target.serviceId === "") throw new Error("release analysis: the service id is empty");
  if (target.nodeIps.length === 0) throw new Error(`release analysis of service ${target.serviceId}: no node IPs to measure`);
}

/** Opens a window now: scrapes the exporters (or checks that Prometheus answers) and remembers the start. */
export async function openAnalysisWindow(source: MetricsSource, target: AnalysisTarget): Promise<AnalysisWindow> {
  checkAnalysisInput(source, target);
  const start = new Date();
  if (source.exporterUrls !== undefined) {
    const urls = source.exporterUrls;
    const before = await scrapeExporters(urls, [STATUS, BUCKET], target.serviceId);
    return {
      start,
      close: async () => {
        const after = await scrapeExporters(urls, [STATUS, BUCKET], target.serviceId);
        return windowFigures(before, after, target, start, new Date());
      },
    };
  }
  const url = source.prometheusUrl;
  await readPrometheus(url, target, start); // fails now, not at the end of the window, when Prometheus is unreachable
  return {
    start,
    close: async () => {
      const end = new Date();
      const [before, after] = await Promise.all([readPrometheus(url, target, start), readPrometheus(url, target, end)]);
      return windowFigures(before, after, target, start, end);
    },
  };
}

async function readPrometheus(url: string, target: AnalysisTarget, time: Date): Promise<SeriesValue[]> {
  const service = promqlString(target.serviceId);
  const [status, buckets] = await Promise.all([
    queryPrometheus(url, `${STATUS}{service=${service}}`, time),
    queryPrometheus(url, `${BUCKET}{service=${service},type="request"}`, time),
  ]);
  return [...status, ...buckets];
}

/** The figures of a window from the counters at its start and end. */
export function windowFigures(
  before: readonly SeriesValue[],
  after: readonly SeriesValue[],
  target: AnalysisTarget,
  start: Date,
  end: Date,
): WindowFigures {
  const nodes = new Set(target.nodeIps);
  const baseline = new Map(before.map((s) => [s.key, s.value]));
  let requests = 0;
  let ok = 0;
  const buckets = new Map<number, number>();
  for (const s of after) {
    if (s.labels.service !== target.serviceId || !nodes.has(s.labels.node ?? "")) continue;
    const was = baseline.get(s.key) ?? 0;
    const increase = s.value >= was ? s.value - was : s.value;
    if (s.name === STATUS) {
      requests += increase;
      if (!/^5\d\d$/.test(s.labels.code ?? "")) ok += increase;
    } else if (s.name === BUCKET && s.labels.type === "request") {
      const le = parseBound(s.labels.le);
      if (le !== undefined) buckets.set(le, (buckets.get(le) ?? 0) + increase);
    }
  }
  const bucketList: Bucket[] = [...buckets].map(([upperBound, count]) => ({ upperBound, count }));
  const p99 = bucketQuantile(0.99, bucketList);
  return {
    start,
    end,
    requests,
    successRatePercent: requests > 0 ? (ok / requests) * 100 : undefined,
    p99Ms: Number.isFinite(p99) ? p99 : undefined,
  };
}

/** `le` as a number: "0.5", "00500.0", "+Inf". */
function parseBound(le: string | undefined): number | undefined {
  if (le === undefined) return undefined;
  if (le === "+Inf") return Infinity;
  const n = Number(le);
  return Number.isFinite(n) ? n : undefined;
}

/** Judges a window against the thresholds: inconclusive below `minRequests`, else pass or fail with the reasons. */
export function judgeWindow(figures: WindowFigures, thresholds: AnalysisThresholds): WindowVerdict {
  const { requests, successRatePercent, p99Ms } = figures;
  if (requests < thresholds.minRequests || successRatePercent === undefined) {
    return {
      verdict: "inconclusive",
      figures,
      reason: `${plural(requests, "request")} in the window, fewer than minRequests (${thresholds.minRequests})`,
    };
  }
  if (thresholds.maxP99Ms !== undefined && p99Ms === undefined) {
    return { verdict: "inconclusive", figures, reason: `no apisix_http_latency_bucket{type="request"} samples for ${plural(requests, "request")}` };
  }
  const reasons: string[] = [];
  const min = thresholds.minSuccessRatePercent;
  if (min !== undefined && successRatePercent < min) {
    reasons.push(`success rate ${formatPercent(successRatePercent)} < ${min}% (${plural(requests, "request")})`);
  }
  if (thresholds.maxP99Ms !== undefined && p99Ms !== undefined && p99Ms > thresholds.maxP99Ms) {
    reasons.push(`p99 ${formatMs(p99Ms)} > ${thresholds.maxP99Ms} ms (${plural(requests, "request")})`);
  }
  return reasons.length > 0 ? { verdict: "fail", figures, reasons } : { verdict: "pass", figures };
}

/** Rounded down to 0.01, so a rate just under the threshold never prints as the threshold. */
function formatPercent(value: number): string {
  return `${Math.floor(value * 100) / 100}%`;
}

function formatMs(value: number): string {
  return `${Math.round(value * 10) / 10} ms`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
