/**
 * The `checks` of a release: real requests through the gateway's data plane (`proxy_url`), each answer judged on its
 * status and the optional body and header expectations. Before traffic moves they carry the preview header of the
 * color that gains traffic; while a step is watched they go without it, through the weights.
 */
import { NodeHttpPool } from "../client/node-http";
import { describeError } from "../client/transport";
import type { ReleaseCheck } from "./release-input";

/** A header added to every check (the preview header). */
export interface CheckHeader {
  readonly name: string;
  readonly value: string;
}

/** How to send the checks. */
export interface CheckOptions {
  /** The preview header of a color, before traffic moves. */
  readonly header?: CheckHeader;
  /** The service's hosts: a check without a `Host` header sends the first one without a wildcard. */
  readonly hosts?: readonly string[];
  /** Aborts the requests in flight (an interrupted release); the abort reason is thrown. */
  readonly signal?: AbortSignal;
}

/** One answer that did not pass. */
export interface FailedCheck {
  readonly method: string;
  readonly path: string;
  /** Why, ready to follow `GET /path -> `: `500, expected 200`, `no answer within 5000 ms`, ... */
  readonly reason: string;
}

/** The answers of one run of the checks. */
export interface ChecksOutcome {
  /** Requests sent (the sum of every check's `count`). */
  readonly total: number;
  readonly failed: readonly FailedCheck[];
}

/** Sends every check `count` times, one request after another, and judges each answer. */
export async function runChecks(proxyUrl: string, checks: readonly ReleaseCheck[], options: CheckOptions = {}): Promise<ChecksOutcome> {
  if (checks.length === 0) return { total: 0, failed: [] };
  const pool = new NodeHttpPool();
  const origin = new URL(proxyUrl).origin;
  const host = options.hosts?.find((h) => !h.includes("*"));
  const failed: FailedCheck[] = [];
  let total = 0;
  try {
    for (const check of checks) {
      const headers: Record<string, string> = { "user-agent": "cdktf-apisix-bluegreen-release-check", ...check.headers };
      if (host !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === "host")) headers.host = host;
      if (options.header !== undefined) headers[options.header.name] = options.header.value;
      for (let i = 0; i < check.count; i++) {
        total++;
        const reason = await sendOne(pool, origin, check, headers, options.signal);
        if (reason !== undefined) failed.push({ method: check.method, path: check.path, reason });
      }
    }
  } finally {
    pool.close();
  }
  return { total, failed };
}

/** `5 of 5 checks with X-Env: green failed (GET /shop/health -> 500, expected 200)`, for a failed run. */
export function describeFailedChecks(outcome: ChecksOutcome, header?: CheckHeader): string {
  const first = outcome.failed[0];
  const detail = first === undefined ? "" : ` (${first.method} ${first.path} -> ${first.reason})`;
  const others = distinctReasons(outcome.failed) > 1 ? ", and others" : "";
  const withHeader = header === undefined ? "" : ` with ${header.name}: ${header.value}`;
  return `${outcome.failed.length} of ${outcome.total} checks${withHeader} failed${detail}${others}`;
}

function distinctReasons(failed: readonly FailedCheck[]): number {
  return new Set(failed.map((f) => `${f.method} ${f.path} ${f.reason}`)).size;
}

/** Sends one request; resolves to why it failed, or undefined when it passed. */
async function sendOne(
  pool: NodeHttpPool,
  origin: string,
  check: ReleaseCheck,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${check.timeout_ms} ms`));
  }, check.timeout_ms);
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const wantsBody = check.expect_body_contains !== undefined;
    const res = await pool.request({
      origin,
      path: check.path,
      method: check.method,
      headers,
      signal: controller.signal,
      readBody: wantsBody, // without a body expectation the status (and headers) are enough
    });
    if (res.status !== check.expect_status) return `${res.status}, expected ${check.expect_status}`;
    if (wantsBody && !res.text.includes(check.expect_body_contains!)) {
      return `${res.status}, but the body does not contain ${JSON.stringify(check.expect_body_contains)}`;
    }
    for (const [name, expected] of Object.entries(check.expect_headers ?? {})) {
      const raw = res.headers[name.toLowerCase()];
      const actual = Array.isArray(raw) ? raw.join(", ") : raw;
      if (actual !== expected) {
        const got = actual === undefined ? "is missing" : `is ${JSON.stringify(actual)}`;
        return `${res.status}, but header ${name} ${got}, expected ${JSON.stringify(expected)}`;
      }
    }
    return undefined;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    return timedOut ? `no answer within ${check.timeout_ms} ms` : `no answer: ${describeError(error)}`;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
