/**
 * A small, Terraform-free client for the APISIX / API7 Enterprise Admin API.
 *
 * - Speaks both envelope flavours and hands back plain stored objects.
 * - Sends through its transport (lib/client/transport.ts), which retries connection errors, timeouts, 5xx and 429
 *   with exponential backoff and jitter until the retry budget is spent; never retries other 4xx. One budget serves
 *   every request of a client (a hook run, a sweep, a drift check): it bounds the time spent in failed attempts and
 *   the backoff between them.
 * - Bounds every attempt with a per-request timeout, so a hanging gateway cannot hang `cdktf deploy`.
 * - Never puts the admin key in a message (it is redacted even if the gateway echoes it back).
 *
 * Used by the hook today and meant to be reused by a native Terraform provider later.
 */
import type { core } from "zod/mini";
import { DEFAULT_ADMIN_KEY_ENV, type Flavor } from "../model/gateway-request";
import {
  apisixListSchema,
  apisixSingleSchema,
  describeZodError,
  eeListSchema,
  eeSingleSchema,
  errorBodySchema,
  snippet,
  type StoredObject,
} from "./envelopes";
import { safeParseWithMessages } from "../schemas/parse-with-messages";
import { AdminApiError, constructSuffix } from "./errors";
import { type AdminResource, GATEWAY_GROUP_PARAM, objectPath, withQueryParam } from "../model/admin-paths";
import { AdminTransport, type RawResponse, type RequestContext, type TransportOptions } from "./transport";

export type { StoredObject } from "./envelopes";

const EE_PAGE_SIZE = 500;
/** Pages read before a list is given up as never-ending (500 000 objects at the full page size). */
const EE_MAX_PAGES = 1_000;

/** Everything `AdminClient` needs: the transport's settings, plus the flavour the Admin API speaks. */
export interface AdminClientOptions extends TransportOptions {
  readonly flavor: Flavor;
  /** API7 EE: added as `?gateway_group_id=` to every path that lacks it. */
  readonly gatewayGroupId?: string;
  /** Name of the environment variable the key came from, for messages. Default `GATEWAY_ADMIN_KEY`. */
  readonly adminKeyEnv?: string;
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

/** Client for one Admin API endpoint. Call `close()` when done so that keep-alive sockets do not hold the process. */
export class AdminClient {
  readonly flavor: Flavor;
  readonly gatewayGroupId?: string;
  /** The admin URL as configured (for messages). */
  readonly adminUrl: string;
  private readonly adminKeyEnv: string;
  private readonly transport: AdminTransport;

  constructor(options: AdminClientOptions) {
    this.transport = new AdminTransport(options);
    this.adminUrl = this.transport.adminUrl;
    this.flavor = options.flavor;
    this.gatewayGroupId = options.gatewayGroupId;
    this.adminKeyEnv = options.adminKeyEnv ?? DEFAULT_ADMIN_KEY_ENV;
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
    await this.transport.close();
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

  private parseBody<S extends core.$ZodType>(
    method: string,
    path: string,
    res: RawResponse,
    context: RequestContext,
    schema: S,
    preprocess: (json: unknown) => unknown = (json) => json,
  ): core.output<S> {
    const result = safeParseWithMessages(schema, preprocess(res.json));
    if (result.success) return result.data;
    const envelope = this.flavor === "apisix" ? "APISIX {key, value} / {list} envelope" : "API7 EE {value} / {list} envelope";
    throw new AdminApiError(
      this.transport.scrub(
        `${method} ${path} returned ${res.status} with an unexpected body (${describeZodError(result.error)}; ` +
          `expected the ${envelope} — is admin_url pointing at the ${this.flavor} Admin API?): ` +
          `${snippet(res.text)}${constructSuffix(context.constructPath)}`,
      ),
      { kind: "protocol", method, path, status: res.status, constructPath: context.constructPath, attempts: res.attempts },
    );
  }

  /** The error of a final non-2xx answer; `note` goes after the gateway's message (e.g. that the budget is spent). */
  private httpError(method: string, path: string, res: RawResponse, context: RequestContext, note = ""): AdminApiError {
    const errorMsg = this.transport.gatewayMessage(res);
    const where = constructSuffix(context.constructPath);
    let message: string;
    if (res.status === 401) {
      const parsed = safeParseWithMessages(errorBodySchema, res.json);
      const reason = (parsed.success && (parsed.data.description ?? parsed.data.error_msg ?? parsed.data.message)) || "unauthorized";
      message =
        `the gateway rejected the admin key (401 ${this.transport.scrub(reason)}); check the ${this.adminKeyEnv} environment ` +
        `variable (${method} ${path}${context.constructPath ? ` for ${context.constructPath}` : ""})`;
    } else if (res.status === 403) {
      message =
        `${method} ${path} failed with 403: ${errorMsg ?? "forbidden"}; the gateway refused the request (a read-only ` +
        `key in ${this.adminKeyEnv}, or this machine is not in the Admin API's allow list)${where}`;
    } else {
      const retried = res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
      message = `${method} ${path} failed with ${res.status}${retried}: ${errorMsg ?? "(no error message)"}${note}${where}`;
    }
    return new AdminApiError(this.transport.scrub(message), {
      kind: "http",
      method,
      path,
      status: res.status,
      errorMsg,
      constructPath: context.constructPath,
      attempts: res.attempts,
    });
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
   * Sends through the transport (with retries) to the resolved path; a retryable answer left when the retry budget
   * is spent is thrown as the HTTP error it is.
   */
  private async send(
    method: string,
    rawPath: string,
    body: Record<string, unknown> | undefined,
    context: RequestContext,
  ): Promise<RawResponse> {
    const path = this.resolvePath(rawPath);
    const res = await this.transport.send(method, path, body, context);
    if (res.budgetSpent !== undefined) throw this.httpError(method, path, res, context, res.budgetSpent);
    return res;
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
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

function describeTotal(total: number | undefined): string {
  return total === undefined ? "no total reported" : `total ${total}`;
}
