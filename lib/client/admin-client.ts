/**
 * A small, Terraform-free client for the APISIX / API7 Enterprise Admin API.
 *
 * - Speaks both envelope flavours and hands back plain stored objects.
 * - Retries connection errors, timeouts, 5xx and 429 with exponential backoff and jitter until the retry budget is
 *   spent; never retries other 4xx. One budget serves every request of a client (a hook run, a sweep, a drift
 *   check): it bounds the time spent in failed attempts and the backoff between them.
 * - Bounds every attempt with a per-request timeout, so a hanging gateway cannot hang `cdktf deploy`.
 * - Never puts the admin key in a message (it is redacted even if the gateway echoes it back).
 *
 * Used by the hook today and meant to be reused by a native Terraform provider later.
 */
import type { Dispatcher } from "undici";
import type { z } from "zod";
import {
  DEFAULT_ADMIN_KEY_ENV,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_BUDGET_MS,
  type Flavor,
} from "../model/gateway-request";
import {
  apisixListSchema,
  apisixSingleSchema,
  describeZodError,
  eeListSchema,
  eeSingleSchema,
  errorBodySchema,
  errorMessageOf,
  type StoredObject,
} from "./envelopes";
import { AdminApiError, constructSuffix, redact } from "./errors";
import { type AdminResource, GATEWAY_GROUP_PARAM, objectPath, withQueryParam } from "../model/admin-paths";
import { loadUndici } from "./undici-lite";

export type { StoredObject } from "./envelopes";


const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;
const EE_PAGE_SIZE = 500;
/** Pages read before a list is given up as never-ending (500 000 objects at the full page size). */
const EE_MAX_PAGES = 1_000;

/** TLS settings for an `https://` admin URL. */
export interface AdminTlsOptions {
  /** Like `curl -k`: accept any certificate. */
  readonly insecureSkipVerify?: boolean;
  /** Absolute path of a PEM file with the CA that signed the gateway's certificate. */
  readonly caFile?: string;
}

/** Everything `AdminClient` needs. */
export interface AdminClientOptions {
  /** Base URL of the Admin API, e.g. `http://127.0.0.1:9180`. */
  readonly adminUrl: string;
  readonly flavor: Flavor;
  /** API7 EE: added as `?gateway_group_id=` to every path that lacks it. */
  readonly gatewayGroupId?: string;
  /** Sent as `X-API-KEY`; an empty string sends no key. Never appears in messages. */
  readonly adminKey: string;
  /** Name of the environment variable the key came from, for messages. Default `GATEWAY_ADMIN_KEY`. */
  readonly adminKeyEnv?: string;
  readonly tls?: AdminTlsOptions;
  /** Per-attempt timeout (connect + headers + body). Default 10 000. */
  readonly requestTimeoutMs?: number;
  /**
   * Total time this client may spend on failing requests (failed attempts and the backoff after them), shared by all
   * of its requests, before it gives up. Default 30 000; 0 means a single attempt per request.
   */
  readonly retryBudgetMs?: number;
  /** Custom dispatcher (tests, proxies); the client then does not build or close its own. */
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

/** Result of a successful PUT. */
export interface PutResult {
  /** 200 (replaced) or 201 (created). */
  readonly status: number;
  /** The stored object as the gateway echoed it. */
  readonly value: StoredObject;
  /** API7 EE may add a `warning_msg` to create responses. */
  readonly warning?: string;
}

/** One object from a list call, with the path that addresses it. */
export interface ListedObject {
  readonly resource: AdminResource;
  readonly id: string;
  /** Admin API path of the object (with `gateway_group_id` on EE), usable with get/put/delete. */
  readonly path: string;
  readonly value: StoredObject;
  /** API7 EE upstreams: the service the upstream belongs to. */
  readonly serviceId?: string;
}

interface RawResponse {
  readonly status: number;
  readonly text: string;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  readonly json: unknown;
  readonly attempts: number;
}

type Attempt = { ok: true; status: number; text: string } | { ok: false; error: unknown; timedOut: boolean };

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

/** Client for one Admin API endpoint. Call `close()` when done so that keep-alive sockets do not hold the process. */
export class AdminClient {
  readonly flavor: Flavor;
  readonly gatewayGroupId?: string;
  /** The admin URL as configured (for messages). */
  readonly adminUrl: string;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly adminKey: string;
  private readonly adminKeyEnv: string;
  private readonly requestTimeoutMs: number;
  private readonly budget: RetryBudget;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly onRetry?: (event: RetryEvent) => void;
  private readonly tls: AdminTlsOptions;
  private dispatcher?: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(options: AdminClientOptions) {
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
    this.flavor = options.flavor;
    this.gatewayGroupId = options.gatewayGroupId;
    this.adminKey = options.adminKey;
    this.adminKeyEnv = options.adminKeyEnv ?? DEFAULT_ADMIN_KEY_ENV;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.budget = new RetryBudget(options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.onRetry = options.onRetry;
    this.tls = options.tls ?? {};
    this.dispatcher = options.dispatcher;
    this.ownsDispatcher = options.dispatcher === undefined;
  }

  /** GETs one object; `undefined` when the gateway answers 404. */
  async get(path: string, context: RequestContext = {}): Promise<StoredObject | undefined> {
    const res = await this.send("GET", path, undefined, context);
    if (res.status === 404) return undefined;
    if (!isSuccess(res.status)) throw this.httpError("GET", path, res, context);
    return this.parseSingle("GET", path, res, context).value;
  }

  /** PUTs (creates or wholesale-replaces) one object. */
  async put(path: string, body: Record<string, unknown>, context: RequestContext = {}): Promise<PutResult> {
    const res = await this.send("PUT", path, body, context);
    if (!isSuccess(res.status)) throw this.httpError("PUT", path, res, context);
    const { value, warning } = this.parseSingle("PUT", path, res, context);
    return { status: res.status, value, warning };
  }

  /** DELETEs one object; `true` if deleted, `false` if the gateway answered 404 (already gone). */
  async delete(path: string, context: RequestContext = {}): Promise<boolean> {
    const res = await this.send("DELETE", path, undefined, context);
    if (res.status === 404) return false;
    if (!isSuccess(res.status)) throw this.httpError("DELETE", path, res, context);
    return true;
  }

  /**
   * Lists every object of one resource type. On API7 EE, `upstreams` lists the service-scoped upstreams of every
   * service (skipping each service's default upstream, whose id equals the service id).
   */
  async list(resource: AdminResource, context: RequestContext = {}): Promise<ListedObject[]> {
    if (this.flavor === "apisix") {
      const path = `/apisix/admin/${resource}`;
      const items = await this.listPath(path, context);
      return items.map(({ id, value }) => ({ resource, id, value, path: objectPath(this.flavor, resource, id) }));
    }
    if (resource !== "upstreams") {
      const items = await this.listPath(`/apisix/admin/${resource}`, context, resource);
      return items.map(({ id, value }) => ({
        resource,
        id,
        value,
        path: objectPath(this.flavor, resource, id, this.gatewayGroupId),
      }));
    }
    const out: ListedObject[] = [];
    for (const service of await this.list("services", context)) out.push(...(await this.listServiceUpstreams(service.id, context)));
    return out;
  }

  /**
   * API7 EE: the service-scoped upstreams of one service (without its default upstream, whose id is the service id);
   * none when the service does not exist.
   */
  async listServiceUpstreams(serviceId: string, context: RequestContext = {}): Promise<ListedObject[]> {
    const base = `/apisix/admin/services/${encodeURIComponent(serviceId)}/upstreams`;
    const items = await this.listPath(base, context, "upstreams", true);
    return items
      .filter(({ id }) => id !== serviceId)
      .map(({ id, value }) => ({
        resource: "upstreams",
        id,
        value,
        serviceId,
        path: objectPath(this.flavor, "upstreams", id, this.gatewayGroupId, serviceId),
      }));
  }

  /** Closes the client's own connection pool (not a dispatcher passed in). */
  async close(): Promise<void> {
    const d = this.dispatcher;
    this.dispatcher = undefined;
    if (d && this.ownsDispatcher) await d.close();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private async listPath(
    path: string,
    context: RequestContext,
    resource: AdminResource = "routes",
    notFoundIsEmpty = false,
  ): Promise<Array<{ id: string; value: StoredObject }>> {
    if (this.flavor === "apisix") {
      const res = await this.send("GET", path, undefined, context);
      if (notFoundIsEmpty && res.status === 404) return [];
      if (!isSuccess(res.status)) throw this.httpError("GET", path, res, context);
      const parsed = this.parseBody("GET", path, res, context, apisixListSchema, normaliseEmptyList);
      return parsed.list
        .map((item) => ({ id: idOf(resource, item.value, item.key), value: item.value }))
        .filter((item) => item.id !== "");
    }
    // API7 EE paginates: read pages until `total` objects are in (or, without a total, until an empty page), and
    // refuse a list that cannot be complete rather than let a sweep act on part of it.
    const listing = this.resolvePath(path);
    const partial = (detail: string) =>
      new AdminApiError(
        `listing ${listing} failed: ${detail}; refusing to go on with a partial list${constructSuffix(context.constructPath)}`,
        { kind: "protocol", method: "GET", path: listing, constructPath: context.constructPath },
      );
    const out: Array<{ id: string; value: StoredObject }> = [];
    const pageOf = new Map<string, number>();
    let read = 0;
    let total: number | undefined;
    for (let page = 1; page <= EE_MAX_PAGES; page++) {
      const pagePath = `${path}?page=${page}&page_size=${EE_PAGE_SIZE}`;
      const res = await this.send("GET", pagePath, undefined, context);
      if (notFoundIsEmpty && res.status === 404 && page === 1) return out;
      if (!isSuccess(res.status)) throw this.httpError("GET", pagePath, res, context);
      const parsed = this.parseBody("GET", pagePath, res, context, eeListSchema, normaliseEmptyList);
      total = parsed.total;
      if (parsed.list.length === 0) {
        if (total !== undefined && read < total) {
          throw partial(`the gateway reported total ${total} but page ${page} was empty after ${read} objects`);
        }
        return out;
      }
      for (const value of parsed.list) {
        const id = idOf(resource, value);
        const earlier = pageOf.get(id);
        if (id !== "" && earlier !== undefined) {
          throw partial(
            `page ${page} lists ${resource.replace(/s$/, "")} ${id} again, already listed on page ${earlier} (the ` +
              `gateway ignores the page parameter, or the list changed while it was read); ${read} objects read, ` +
              describeTotal(total),
          );
        }
        read++;
        if (id === "") continue; // an object without an id cannot be addressed; skip it
        pageOf.set(id, page);
        out.push({ id, value });
      }
      if (total !== undefined && read > total) {
        throw partial(`the gateway reported total ${total} but served ${read} objects by page ${page}`);
      }
      if (total !== undefined && read === total) return out;
    }
    throw partial(`still incomplete after ${EE_MAX_PAGES} pages (${read} objects read, ${describeTotal(total)})`);
  }

  private parseSingle(
    method: string,
    path: string,
    res: RawResponse,
    context: RequestContext,
  ): { value: StoredObject; warning?: string } {
    if (this.flavor === "apisix") {
      return { value: this.parseBody(method, path, res, context, apisixSingleSchema).value };
    }
    const parsed = this.parseBody(method, path, res, context, eeSingleSchema);
    return { value: parsed.value, warning: parsed.warning_msg };
  }

  private parseBody<S extends z.ZodType>(
    method: string,
    path: string,
    res: RawResponse,
    context: RequestContext,
    schema: S,
    preprocess: (json: unknown) => unknown = (json) => json,
  ): z.infer<S> {
    const result = schema.safeParse(preprocess(res.json));
    if (result.success) return result.data;
    const envelope = this.flavor === "apisix" ? "APISIX {key, value} / {list} envelope" : "API7 EE {value} / {list} envelope";
    throw new AdminApiError(
      this.scrub(
        `${method} ${path} returned ${res.status} with an unexpected body (${describeZodError(result.error)}; ` +
          `expected the ${envelope} — is admin_url pointing at the ${this.flavor} Admin API?): ` +
          `${snippet(res.text)}${constructSuffix(context.constructPath)}`,
      ),
      { kind: "protocol", method, path, status: res.status, constructPath: context.constructPath, attempts: res.attempts },
    );
  }

  /** The error of a final non-2xx answer; `note` goes after the gateway's message (e.g. that the budget is spent). */
  private httpError(method: string, path: string, res: RawResponse, context: RequestContext, note = ""): AdminApiError {
    const errorMsg = this.gatewayMessage(res);
    const where = constructSuffix(context.constructPath);
    let message: string;
    if (res.status === 401) {
      const parsed = errorBodySchema.safeParse(res.json);
      const reason = (parsed.success && (parsed.data.description ?? parsed.data.error_msg ?? parsed.data.message)) || "unauthorized";
      message =
        `the gateway rejected the admin key (401 ${this.scrub(reason)}); check the ${this.adminKeyEnv} environment ` +
        `variable (${method} ${path}${context.constructPath ? ` for ${context.constructPath}` : ""})`;
    } else if (res.status === 403) {
      message =
        `${method} ${path} failed with 403: ${errorMsg ?? "forbidden"}; the gateway refused the request (a read-only ` +
        `key in ${this.adminKeyEnv}, or this machine is not in the Admin API's allow list)${where}`;
    } else {
      const retried = res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
      message = `${method} ${path} failed with ${res.status}${retried}: ${errorMsg ?? "(no error message)"}${note}${where}`;
    }
    return new AdminApiError(this.scrub(message), {
      kind: "http",
      method,
      path,
      status: res.status,
      errorMsg,
      constructPath: context.constructPath,
      attempts: res.attempts,
    });
  }

  private gatewayMessage(res: RawResponse): string | undefined {
    const fromJson = errorMessageOf(res.json);
    const msg = fromJson ?? (res.text.trim() ? snippet(res.text) : undefined);
    return msg === undefined ? undefined : this.scrub(msg);
  }

  private scrub(text: string): string {
    return redact(text, this.adminKey);
  }

  private resolvePath(path: string): string {
    if (!path.startsWith("/apisix/admin/")) {
      throw new AdminApiError(`invalid Admin API path "${path}": it must start with /apisix/admin/`, {
        kind: "config",
        method: "-",
        path,
      });
    }
    if (this.flavor === "api7-ee" && this.gatewayGroupId) {
      return withQueryParam(path, GATEWAY_GROUP_PARAM, this.gatewayGroupId);
    }
    return path;
  }

  /**
   * Sends with retries; returns any non-retryable answer (2xx or 4xx), throws when the client's retry budget cannot
   * pay for the next backoff. Every failed attempt and every backoff is charged to that one budget.
   */
  private async send(
    method: string,
    rawPath: string,
    body: Record<string, unknown> | undefined,
    context: RequestContext,
  ): Promise<RawResponse> {
    const path = this.resolvePath(rawPath);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = this.now();
    for (let attempt = 1; ; attempt++) {
      const attemptStarted = this.now();
      const result = await this.attempt(method, path, payload);
      let reason: string;
      let lastResponse: RawResponse | undefined;
      if (result.ok) {
        const response: RawResponse = { status: result.status, text: result.text, json: parseJson(result.text), attempts: attempt };
        if (!isRetryableStatus(result.status)) return response;
        lastResponse = response;
        reason = `${result.status}: ${this.gatewayMessage(response) ?? "(no error message)"}`;
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
        if (lastResponse) throw this.httpError(method, path, lastResponse, context, spent);
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

  /** Exponential backoff with "equal jitter": a random delay in [d/2, d], d = 100 ms · 2^(n-1), capped at 2 s. */
  private backoff(attempt: number): number {
    const d = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 20));
    return Math.round(d / 2 + this.random() * (d / 2));
  }

  private async attempt(method: string, path: string, payload: string | undefined): Promise<Attempt> {
    const undici = loadUndici();
    const dispatcher = this.getDispatcher();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${this.requestTimeoutMs} ms`));
    }, this.requestTimeoutMs);
    try {
      const headers: Record<string, string> = { accept: "application/json" };
      if (this.adminKey) headers["x-api-key"] = this.adminKey;
      if (payload !== undefined) headers["content-type"] = "application/json";
      const res = await undici.request(dispatcher, {
        origin: this.origin,
        path: this.basePath + path,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: payload,
        signal: controller.signal,
      });
      const text = await res.body.text();
      return { ok: true, status: res.statusCode, text };
    } catch (error) {
      return { ok: false, error, timedOut };
    } finally {
      clearTimeout(timer);
    }
  }

  private getDispatcher(): Dispatcher {
    if (this.dispatcher) return this.dispatcher;
    const { Agent } = loadUndici();
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
    this.dispatcher = new Agent({
      connect: { rejectUnauthorized: !this.tls.insecureSkipVerify, ...(ca === undefined ? {} : { ca }) },
      // The hook is short-lived: do not let idle sockets keep the process alive for long.
      keepAliveTimeout: 1_000,
    });
    return this.dispatcher;
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

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
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

/** APISIX answers an empty list as `{"list": {}}` in some versions (Lua empty table); treat it as `[]`. */
function normaliseEmptyList(json: unknown): unknown {
  if (json && typeof json === "object" && !Array.isArray(json)) {
    const list = (json as { list?: unknown }).list;
    if (list && typeof list === "object" && !Array.isArray(list) && Object.keys(list).length === 0) {
      return { ...json, list: [] };
    }
  }
  return json;
}

/** The id of a listed object: `id`, else EE's `route_id`/`service_id`, else the last segment of the etcd key. */
function idOf(resource: AdminResource, value: StoredObject, key?: string): string {
  const candidates = [value.id, resource === "routes" ? value.route_id : resource === "services" ? value.service_id : undefined];
  for (const c of candidates) {
    if (typeof c === "string" && c.length > 0) return c;
    if (typeof c === "number") return String(c);
  }
  if (key) return key.slice(key.lastIndexOf("/") + 1);
  return "";
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

function snippet(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat || "(empty body)";
}

function describeTotal(total: number | undefined): string {
  return total === undefined ? "no total reported" : `total ${total}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
