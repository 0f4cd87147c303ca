/**
 * How the Admin API client talks HTTP: one keep-alive connection pool (lib/client/node-http.ts), the admin key header, a per-attempt timeout,
 * retries of connection errors, timeouts, 5xx and 429 with exponential backoff and jitter, and the retry budget
 * those retries share. Knows nothing of envelopes or objects (lib/client/admin-client.ts does); never puts the admin
 * key in a message.
 */
import type { Dispatcher } from "undici";
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY_BUDGET_MS } from "../model/gateway-request";
import { errorMessageOf, snippet } from "./envelopes";
import { AdminApiError, redact } from "./errors";
import { NodeHttpPool } from "./node-http";

const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;

/** TLS settings for an `https://` admin URL. */
export interface AdminTlsOptions {
  /** Like `curl -k`: accept any certificate. */
  readonly insecureSkipVerify?: boolean;
  /** Absolute path of a PEM file with the CA that signed the gateway's certificate. */
  readonly caFile?: string;
}

/** How `AdminClient` connects, times out and retries (the part of `AdminClientOptions` the transport uses). */
export interface TransportOptions {
  /** Base URL of the Admin API, e.g. `http://127.0.0.1:9180`. */
  readonly adminUrl: string;
  /** Sent as `X-API-KEY`; an empty string sends no key. Never appears in messages. */
  readonly adminKey: string;
  readonly tls?: AdminTlsOptions;
  /** Per-attempt timeout (connect + headers + body). Default 10 000. */
  readonly requestTimeoutMs?: number;
  /**
   * Total time this client may spend on failing requests (failed attempts and the backoff after them), shared by all
   * of its requests, before it gives up. Default 30 000; 0 means a single attempt per request.
   */
  readonly retryBudgetMs?: number;
  /**
   * Custom undici dispatcher (tests, proxies): requests then go through undici with it, and the client neither builds
   * nor closes it. Without one, the client sends through its own `node:http(s)` pool (lib/client/node-http.ts).
   */
  readonly dispatcher?: Dispatcher;
  /** Replaces `setTimeout` between retries (tests). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Replaces `Math.random` for the jitter (tests). */
  readonly random?: () => number;
  /** Replaces `Date.now` for measuring failed attempts (tests). */
  readonly now?: () => number;
  /** Called before each retry, e.g. to print a warning line. */
  readonly onRetry?: (event: RetryEvent) => void;
}

/** Passed to `onRetry`. */
export interface RetryEvent {
  readonly method: string;
  readonly path: string;
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  /** Why: `503: <error_msg>` or the transport error. Never contains the key. */
  readonly reason: string;
  readonly delayMs: number;
}

/** Per-call context, used in error messages. */
export interface RequestContext {
  /** The construct that declared the object. */
  readonly constructPath?: string;
}

/** The gateway's answer to one request. */
export interface RawResponse {
  readonly status: number;
  readonly text: string;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  readonly json: unknown;
  readonly attempts: number;
  /**
   * Set when the answer is retryable (5xx, 429) but the retry budget cannot pay for another attempt: the words that
   * say so, to follow the gateway's message.
   */
  readonly budgetSpent?: string;
}

/** One attempt's answer: status and body text. */
interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

const TLS_ERROR_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

/** Sends Admin API requests to one endpoint with retries; `close()` releases its connection pool. */
export class AdminTransport {
  /** The admin URL as configured, without trailing slashes (for messages). */
  readonly adminUrl: string;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly adminKey: string;
  private readonly requestTimeoutMs: number;
  private readonly budget: RetryBudget;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly onRetry?: (event: RetryEvent) => void;
  private readonly tls: AdminTlsOptions;
  private readonly dispatcher?: Dispatcher;
  private pool?: NodeHttpPool;

  constructor(options: TransportOptions) {
    let url: URL;
    try {
      url = new URL(options.adminUrl);
    } catch {
      throw new AdminApiError(
        `invalid admin URL "${options.adminUrl}": expected something like http://127.0.0.1:9180`,
        { kind: "config", method: "-", path: "-" },
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new AdminApiError(`invalid admin URL "${options.adminUrl}": only http:// and https:// are supported`, {
        kind: "config",
        method: "-",
        path: "-",
      });
    }
    this.adminUrl = options.adminUrl.replace(/\/+$/, "");
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.adminKey = options.adminKey;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.budget = new RetryBudget(options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.onRetry = options.onRetry;
    this.tls = options.tls ?? {};
    this.dispatcher = options.dispatcher;
  }

  /**
   * Sends with retries; returns any non-retryable answer (2xx or 4xx), or the last retryable one (marked
   * `budgetSpent`) when the client's retry budget cannot pay for the next backoff. Throws when the gateway cannot be
   * reached within the budget or TLS verification fails. Every failed attempt and every backoff is charged to that
   * one budget. `path` is sent as is (with its query).
   */
  async send(
    method: string,
    path: string,
    body: Record<string, unknown> | undefined,
    context: RequestContext,
  ): Promise<RawResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = this.now();
    for (let attempt = 1; ; attempt++) {
      const attemptStarted = this.now();
      const result = await this.attempt(method, path, payload);
      let reason: string;
      let lastResponse: RawResponse | undefined;
      if (result.ok) {
        const { status, text } = result.value;
        const response: RawResponse = { status, text, json: parseJson(text), attempts: attempt };
        if (!isRetryableStatus(response.status)) return response;
        lastResponse = response;
        reason = `${response.status}: ${this.gatewayMessage(response) ?? "(no error message)"}`;
      } else {
        if (isTlsError(result.error)) throw this.tlsError(method, path, result.error, context);
        reason = result.timedOut ? `no answer within ${this.requestTimeoutMs} ms` : this.scrub(describeError(result.error));
      }
      this.budget.charge(this.now() - attemptStarted);
      const delay = this.backoff(attempt);
      if (!this.budget.allows(delay)) {
        const spent =
          `; the retry budget of ${this.budget.totalMs} ms (retryBudgetMs, shared by every request of this run) ` +
          "is spent";
        if (lastResponse) return { ...lastResponse, budgetSpent: spent };
        const cause = result.ok ? undefined : result.error;
        throw new AdminApiError(
          `could not reach the gateway at ${this.adminUrl} after ${plural(attempt, "attempt")} in ` +
            `${((this.now() - started) / 1000).toFixed(1)} s: ${reason}${spent} (${method} ${path}` +
            `${context.constructPath ? ` for ${context.constructPath}` : ""})`,
          { kind: "unreachable", method, path, constructPath: context.constructPath, attempts: attempt, cause },
        );
      }
      this.budget.charge(delay);
      this.onRetry?.({ method, path, attempt, reason, delayMs: delay });
      await this.sleep(delay);
    }
  }

  /** The gateway's message in an answer (its error body's, else a snippet of the body), without the admin key. */
  gatewayMessage(res: RawResponse): string | undefined {
    const fromJson = errorMessageOf(res.json);
    const msg = fromJson ?? (res.text.trim() ? snippet(res.text) : undefined);
    return msg === undefined ? undefined : this.scrub(msg);
  }

  /** `text` with the admin key replaced by `***`. */
  scrub(text: string): string {
    return redact(text, this.adminKey);
  }

  /** Closes the own connection pool (not a dispatcher passed in). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    pool?.close();
  }

  /** Exponential backoff with "equal jitter": a random delay in [d/2, d], d = 100 ms · 2^(n-1), capped at 2 s. */
  private backoff(attempt: number): number {
    const d = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 20));
    return Math.round(d / 2 + this.random() * (d / 2));
  }

  private attempt(method: string, path: string, payload: string | undefined): Promise<Timed<HttpAnswer>> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.adminKey) headers["x-api-key"] = this.adminKey;
    if (payload !== undefined) headers["content-type"] = "application/json";
    const dispatcher = this.dispatcher;
    if (dispatcher !== undefined) {
      // a dispatcher comes from the caller's undici, whose request API it carries: nothing of undici is loaded here
      return withTimeout(this.requestTimeoutMs, async (signal) => {
        const res = await dispatcher.request({
          origin: this.origin,
          path: this.basePath + path,
          method: method as Dispatcher.HttpMethod,
          headers,
          body: payload,
          signal,
        });
        return { status: res.statusCode, text: await res.body.text() };
      });
    }
    const pool = this.getPool();
    return withTimeout(this.requestTimeoutMs, (signal) =>
      pool.request({ origin: this.origin, method, path: this.basePath + path, headers, body: payload, signal }),
    );
  }

  private getPool(): NodeHttpPool {
    if (this.pool) return this.pool;
    let ca: string | undefined;
    if (this.tls.caFile) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        ca = (require("node:fs") as typeof import("node:fs")).readFileSync(this.tls.caFile, "utf8");
      } catch (error) {
        throw new AdminApiError(
          `cannot read the gateway CA file ${this.tls.caFile} (tls_ca_file): ${describeError(error)}`,
          { kind: "config", method: "-", path: "-", cause: error },
        );
      }
    }
    this.pool = new NodeHttpPool({ rejectUnauthorized: !this.tls.insecureSkipVerify, ...(ca === undefined ? {} : { ca }) });
    return this.pool;
  }

  private tlsError(method: string, path: string, error: unknown, context: RequestContext): AdminApiError {
    const hint = this.tls.caFile
      ? `the certificate is not signed by the CA in ${this.tls.caFile} (tls_ca_file)`
      : "set tls_ca_file to the CA that signed the gateway's certificate, or tls_insecure_skip_verify for testing";
    return new AdminApiError(
      `TLS verification of the gateway at ${this.adminUrl} failed: ${this.scrub(describeError(error))}; ${hint} ` +
        `(${method} ${path}${context.constructPath ? ` for ${context.constructPath}` : ""})`,
      { kind: "tls", method, path, constructPath: context.constructPath, attempts: 1, cause: error },
    );
  }
}

/**
 * The time one client may spend on failing requests: failed attempts and the backoff sleeps after them, summed over
 * all of its requests. Successful attempts cost nothing.
 */
export class RetryBudget {
  private spent = 0;

  constructor(readonly totalMs: number) {}

  /** Time charged so far, in milliseconds. */
  get spentMs(): number {
    return this.spent;
  }

  /** Charges `ms` of failing time (a failed attempt, or a backoff about to be slept). */
  charge(ms: number): void {
    this.spent += Math.max(0, ms);
  }

  /** Whether a backoff of `ms` still fits in the budget. */
  allows(ms: number): boolean {
    return this.spent + ms <= this.totalMs;
  }
}

/** The outcome of `withTimeout`: the value, or the error and whether the timeout caused it. */
export type Timed<T> = { ok: true; value: T } | { ok: false; error: unknown; timedOut: boolean };

/**
 * Runs `request` with a signal that aborts it after `timeoutMs` (`no answer within <timeoutMs> ms`). Never rejects:
 * a failure resolves to the error and whether the timeout caused it.
 */
export async function withTimeout<T>(
  timeoutMs: number,
  request: (signal: AbortSignal) => Promise<T>,
): Promise<Timed<T>> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    return { ok: true, value: await request(controller.signal) };
  } catch (error) {
    return { ok: false, error, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** A short, single-line description of a transport error: message plus code. */
export function describeError(error: unknown): string {
  // Duck-typed: errors from another realm (jest's vm, worker threads) are not `instanceof Error`.
  if (error && typeof error === "object" && typeof (error as { message?: unknown }).message === "string") {
    const { code, message, name } = error as { code?: unknown; message: string; name?: unknown };
    const msg = message || String(name ?? "error");
    return typeof code === "string" && !msg.includes(code) ? `${msg} (${code})` : msg;
  }
  return String(error);
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function isTlsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && TLS_ERROR_CODES.has(code);
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
