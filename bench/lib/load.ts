/**
 * Load generation with autocannon's programmatic API, recording every response (arrival time, status, the backend
 * from `X-Backend`) and exact per-request latencies (autocannon's own histogram has 1 ms resolution).
 */
import autocannon from "autocannon";
import { Pool } from "undici";
import { nowMs } from "./stats";

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Total requests per second over all connections; unlimited when omitted. */
  readonly overallRate?: number;
  /** Upper bound on the run; `stop()` ends it earlier. */
  readonly durationSec: number;
  /** Record every response's arrival time, status and backend. */
  readonly track?: boolean;
  /** Per-request timeout, seconds. @default 10 */
  readonly timeoutSec?: number;
}

export interface ResponseRecord {
  /** `nowMs()` when the response headers arrived. */
  readonly t: number;
  readonly status: number;
  readonly backend?: string;
}

export interface LoadResult {
  readonly result: autocannon.Result;
  /** Responses, if `track`. */
  readonly records: ResponseRecord[];
  /** Connection errors and timeouts seen by clients, with times. */
  readonly errorTimes: number[];
  /** Exact latency of every completed request, ms. */
  readonly latencies: number[];
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface RunningLoad {
  readonly startedAt: number;
  stop(): void;
  readonly done: Promise<LoadResult>;
}

export function startLoad(opts: LoadOptions): RunningLoad {
  const records: ResponseRecord[] = [];
  const errorTimes: number[] = [];
  const latencies: number[] = [];
  const startedAt = nowMs();
  let instance: autocannon.Instance;
  const done = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        overallRate: opts.overallRate,
        duration: opts.durationSec,
        timeout: opts.timeoutSec ?? 10,
        pipelining: 1,
        setupClient: (client: autocannon.Client) => {
          const c = client as unknown as NodeJS.EventEmitter;
          if (opts.track) {
            c.on("headers", (info: { statusCode: number; headers: string[] }) => {
              let backend: string | undefined;
              const h = info.headers;
              for (let i = 0; i < h.length; i += 2) {
                if (h[i].length === 9 && h[i].toLowerCase() === "x-backend") {
                  backend = h[i + 1];
                  break;
                }
              }
              records.push({ t: nowMs(), status: info.statusCode, backend });
            });
          }
          c.on("response", (_status: number, _bytes: number, responseTime: number) => {
            if (latencies.length < 2_000_000) latencies.push(responseTime);
          });
          c.on("connError", () => errorTimes.push(nowMs()));
          c.on("timeout", () => errorTimes.push(nowMs()));
        },
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) reject(err);
        else resolve({ result, records, errorTimes, latencies, startedAt, endedAt: nowMs() });
      },
    );
  });
  return { startedAt, stop: () => instance.stop(), done };
}

/** Runs a load to completion. */
export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  return startLoad(opts).done;
}

/** Failed requests as autocannon counts them: non-2xx answers plus errors (which include timeouts). */
export function failedCount(r: autocannon.Result): number {
  return r.non2xx + r.errors;
}

/**
 * Paced load for latency at a fixed rate: `connections` workers on one keep-alive undici Pool, each sending one
 * request every `connections / rate` seconds (so `rate` req/s in total, spread evenly, no bursts: autocannon's
 * `overallRate` sends each second's quota back to back). Returns exact per-request latencies in ms.
 */
export async function pacedLatency(opts: {
  url: string;
  connections: number;
  rate: number;
  durationMs: number;
}): Promise<{ latencies: number[]; failed: number; achievedRate: number }> {
  const u = new URL(opts.url);
  const pool = new Pool(u.origin, { connections: opts.connections, pipelining: 1 });
  const latencies: number[] = [];
  let failed = 0;
  const interval = (opts.connections / opts.rate) * 1000;
  const start = nowMs();
  const end = start + opts.durationMs;
  const worker = async (w: number) => {
    // stagger the workers over one interval
    let due = start + (interval * w) / opts.connections;
    while (due < end) {
      const wait = due - nowMs();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t = nowMs();
      try {
        const res = await pool.request({ path: u.pathname + u.search, method: "GET" });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) latencies.push(nowMs() - t);
        else failed++;
      } catch {
        failed++;
      }
      due += interval;
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, (_, w) => worker(w)));
  const elapsed = nowMs() - start;
  await pool.close();
  return { latencies, failed, achievedRate: ((latencies.length + failed) / elapsed) * 1000 };
}
