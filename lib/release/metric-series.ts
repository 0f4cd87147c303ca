/**
 * Counter samples the analysis compares between the start and the end of a window, read from gateways' metrics
 * endpoints (`scrapeExporters`) or from Prometheus (`queryPrometheus`). A series is identified by its name, its labels
 * and where it was read (one exporter URL per gateway node; Prometheus' own `instance`/`job` labels), so the counters
 * of several gateways are compared one by one and summed afterwards.
 */
import { parseExposition } from "./exposition";
import { httpGet, shownUrl } from "./http-get";

/** One counter value. */
export interface SeriesValue {
  /** Identity: where it was read, the metric name and the sorted labels. */
  readonly key: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function seriesKey(origin: string, name: string, labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return JSON.stringify([origin, name, sorted]);
}

/** The samples named `names` (and whose `service` label is `service`) of every exporter, scraped in parallel. */
export async function scrapeExporters(urls: readonly string[], names: readonly string[], service: string): Promise<SeriesValue[]> {
  const pages = await Promise.all(
    urls.map(async (url) => {
      const what = `the metrics from ${shownUrl(url)}`;
      const { status, text } = await httpGet(url, what);
      if (status !== 200) throw new Error(`cannot read ${what}: HTTP ${status} (expected 200)`);
      return { url, text };
    }),
  );
  const out: SeriesValue[] = [];
  for (const { url, text } of pages) {
    for (const s of parseExposition(text, shownUrl(url)).samples) {
      if (!names.includes(s.name) || s.labels.service !== service) continue;
      out.push({ key: seriesKey(url, s.name, s.labels), name: s.name, labels: s.labels, value: s.value });
    }
  }
  return out;
}

/** Prometheus' answer to an instant query. */
interface QueryAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] };
}

/** A PromQL string literal. */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}

/** The instant vector `promql` evaluated at `time` (`/api/v1/query`). */
export async function queryPrometheus(prometheusUrl: string, promql: string, time: Date): Promise<SeriesValue[]> {
  const base = prometheusUrl.replace(/\/+$/, "");
  const params = new URLSearchParams({ query: promql, time: (time.getTime() / 1000).toFixed(3) });
  const { status, text } = await httpGet(`${base}/api/v1/query?${params}`, `Prometheus at ${shownUrl(base)} (query ${promql})`);
  let answer: QueryAnswer;
  try {
    answer = JSON.parse(text) as QueryAnswer;
  } catch {
    throw new Error(`Prometheus at ${shownUrl(base)} answered HTTP ${status} with a body that is not JSON to ${promql}`);
  }
  if (answer.status !== "success") {
    throw new Error(`Prometheus at ${shownUrl(base)} refused ${promql}: HTTP ${status} ${answer.error ?? "(no error message)"}`);
  }
  if (answer.data?.resultType !== "vector" || !Array.isArray(answer.data.result)) {
    throw new Error(`Prometheus at ${shownUrl(base)} answered ${promql} with ${answer.data?.resultType ?? "nothing"}, expected a vector`);
  }
  return answer.data.result.map((r) => {
    const metric = r.metric ?? {};
    const { __name__: name = "", ...labels } = metric;
    return { key: seriesKey("prometheus", name, labels), name, labels, value: Number(r.value?.[1]) };
  });
}
