/** Polls gateway routes during an apply and records when each first answers from the new color. */
import { request } from "undici";
import { nowMs, sleep } from "./stats";

export interface WatchResult {
  /** ms after `origin` of the first response from `color` on any watched URL (NaN if none). */
  firstMs: number;
  /** ms after `origin` by which every watched URL had answered from `color` (NaN if some never did). */
  allMs: number;
  requests: number;
  errors: number;
}

/**
 * How often a watcher polls each URL. Every 5 ms (200 requests a second per URL, through the gateway, from the bench
 * process) slowed a 50-route flip by ~28% on a 2-core machine, and with it the first request it measured; every 20 ms
 * slows it by ~8% and can report the first request up to 20 ms late, never early.
 */
export const POLL_INTERVAL_MS = 20;

export class ColorWatcher {
  private stopped = false;
  private readonly seen = new Map<string, number>();
  private requests = 0;
  private errors = 0;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly urls: readonly string[],
    private readonly color: string,
    private readonly origin: () => number,
    private readonly intervalMs = POLL_INTERVAL_MS,
  ) {}

  start(): void {
    this.loops = this.urls.map((u) => this.loop(u));
  }

  private async loop(url: string): Promise<void> {
    while (!this.stopped && !this.seen.has(url)) {
      const t = nowMs();
      try {
        const res = await request(url, { method: "GET", headersTimeout: 5_000, bodyTimeout: 5_000 });
        const arrived = nowMs();
        await res.body.dump();
        this.requests++;
        if (res.headers["x-backend"] === this.color && !this.seen.has(url)) this.seen.set(url, arrived);
      } catch {
        this.errors++;
      }
      const wait = this.intervalMs - (nowMs() - t);
      if (wait > 0) await sleep(wait);
    }
  }

  /** Stops polling (after waiting up to `graceMs` for URLs that have not flipped yet). */
  async stop(graceMs = 0): Promise<WatchResult> {
    const until = nowMs() + graceMs;
    while (graceMs > 0 && this.seen.size < this.urls.length && nowMs() < until) await sleep(5);
    this.stopped = true;
    await Promise.all(this.loops);
    const o = this.origin();
    const times = [...this.seen.values()].map((t) => t - o);
    return {
      firstMs: times.length ? Math.min(...times) : Number.NaN,
      allMs: times.length === this.urls.length ? Math.max(...times) : Number.NaN,
      requests: this.requests,
      errors: this.errors,
    };
  }
}

/**
 * Runs `run` (a command that calls `onStart` with its start time as it starts) with `urls` polled from that moment:
 * its result, and when its requests first landed on `color` (waiting up to `graceMs` after it for URLs that have not).
 * A run that fails stops the polling too.
 */
export async function watchWhile<T>(
  urls: readonly string[],
  color: string,
  run: (onStart: (t: number) => void) => Promise<T>,
  graceMs: number,
): Promise<{ result: T; watch: WatchResult }> {
  let start = 0;
  const watcher = new ColorWatcher(urls, color, () => start);
  let result: T;
  try {
    result = await run((t) => {
      start = t;
      watcher.start();
    });
  } catch (error) {
    await watcher.stop();
    throw error;
  }
  return { result, watch: await watcher.stop(graceMs) };
}
