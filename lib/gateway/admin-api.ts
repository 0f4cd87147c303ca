/**
 * The embedded gateway's Admin API handler, APISIX v3 flavour or API7 EE flavour:
 * `/apisix/admin/routes|services|upstreams[/{id}]` with GET, PUT, POST, PATCH and DELETE, APISIX's envelopes,
 * status codes and error strings (APISIX's Admin API reference, §1 and §4 of its docs). It never throws and never lets a
 * malformed request crash the process.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AdminResource } from "../model/admin-paths";
import type { Flavor } from "../model/gateway-request";
import { checkObject } from "../schemas/check-object";
import { MAX_BODY_BYTES, keysEqual, presentedKey, readBody, sendAdminError, sendJson } from "./admin-http";
import { filterList } from "./admin-list";
import type { AdminFaults } from "./faults";
import type { ConfigObject } from "./config-snapshot";
import { isPlainObject } from "./deep-merge";
import { GatewayStore, idOf, SINGULAR, type RemoveOutcome, type StoreEntry, type WriteOutcome } from "./store";

export interface AdminApiOptions {
  readonly store: GatewayStore;
  readonly flavor: Flavor;
  /** Required key; undefined disables authentication (like `admin_key_required: false`). */
  readonly adminKey?: string;
  /** Receives one line per request (method, path without query, status); never the key. */
  readonly log?: (line: string) => void;
  /** TEST-ONLY fault switch (see faults.ts); absent in normal operation. */
  readonly faults?: AdminFaults;
}

/** The Admin API request handler. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => void;

const BASE = "/apisix/admin";
const ALLOWED_METHODS = "GET, PUT, POST, PATCH, DELETE";

/** Which stored object(s) a URL addresses. */
interface Target {
  kind: AdminResource;
  /** Store key of the addressed object, when the URL names one. */
  key?: string;
  /** Key prefix for EE service-scoped upstreams (`${serviceId}/`), "" otherwise. */
  prefix: string;
  /** Admin path segments after the id (sub-path PATCH). */
  subPath: string[];
  /** For EE service-scoped upstreams, the parent service id. */
  serviceId?: string;
}

type Resolved = { ok: true; target: Target } | { ok: false; status: number; body: unknown };

/** Creates the Admin API handler; see the module comment. */
export function createAdminHandler(options: AdminApiOptions): AdminHandler {
  return (req, res) => {
    const started = Date.now();
    res.on("finish", () => {
      const path = (req.url ?? "/").split("?")[0];
      options.log?.(`admin ${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms`);
    });
    if (options.faults?.intercept(req, res)) return;
    dispatch(options, req, res).catch((err: unknown) => {
      const msg = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) sendAdminError(res, 500, `internal error in the embedded gateway: ${msg}`);
      else res.destroy();
    });
  };
}

function parseSegments(pathname: string): string[] | undefined {
  try {
    return pathname
      .slice(BASE.length)
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

async function dispatch(options: AdminApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://admin.invalid");
  const { pathname } = url;
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) {
    req.resume();
    return sendAdminError(res, 404, `not found: the Admin API lives under ${BASE}`);
  }
  const segments = parseSegments(pathname);
  if (req.method === "HEAD" && segments?.length === 0) {
    req.resume();
    res.writeHead(200, { "x-api-version": "v3" });
    res.end();
    return;
  }
  const denied = authenticate(options, req, url.searchParams);
  if (denied) {
    req.resume();
    return sendJson(res, denied.status, denied.body);
  }
  if (!segments) {
    req.resume();
    return sendAdminError(res, 400, `invalid URL path ${JSON.stringify(pathname)}: bad percent-encoding`);
  }
  const resolved = resolveTarget(options.flavor, segments);
  if (!resolved.ok) {
    req.resume();
    return sendJson(res, resolved.status, resolved.body);
  }
  await runMethod(options, req, res, resolved.target, url.searchParams);
}

/** 401 on a missing/wrong key; 400 on API7 EE without `gateway_group_id` (unless an `a7adm-` key). */
function authenticate(
  options: AdminApiOptions,
  req: IncomingMessage,
  query: URLSearchParams,
): { status: number; body: unknown } | undefined {
  const key = presentedKey(req, query);
  if (options.adminKey !== undefined) {
    const fail = (description: string) => ({ status: 401, body: { error_msg: "failed to check token", description } });
    if (key === undefined || key === "") return fail("missing apikey");
    if (!keysEqual(key, options.adminKey)) return fail("wrong apikey");
  }
  if (options.flavor === "api7-ee" && !(key ?? "").startsWith("a7adm-")) {
    const group = query.get("gateway_group_id");
    if (group === null || group === "") {
      return {
        status: 400,
        body: {
          error_msg:
            "missing gateway_group_id: every /apisix/admin call on API7 EE needs the query parameter ?gateway_group_id=<id> (optional only with a gateway group admin key starting with a7adm-)",
        },
      };
    }
  }
  return undefined;
}

function resolveTarget(flavor: Flavor, segments: string[]): Resolved {
  const [resource, id, ...rest] = segments;
  if (resource === undefined) return { ok: false, status: 404, body: { error_msg: "not found" } };
  const isKind = resource === "routes" || resource === "services" || resource === "upstreams";
  if (!isKind) return { ok: false, status: 404, body: { error_msg: `Unsupported resource type: ${resource}` } };
  if (flavor === "api7-ee" && resource === "upstreams") {
    return {
      ok: false,
      status: 404,
      body: {
        error_msg:
          "resource not found: API7 EE has no standalone upstreams; use /apisix/admin/services/{service_id}/upstreams/{upstream_id}",
      },
    };
  }
  if (flavor === "api7-ee" && resource === "services" && id !== undefined && rest[0] === "upstreams") {
    const [, uid, ...subPath] = rest;
    return {
      ok: true,
      target: { kind: "upstreams", key: uid === undefined ? undefined : `${id}/${uid}`, prefix: `${id}/`, subPath, serviceId: id },
    };
  }
  return { ok: true, target: { kind: resource, key: id, prefix: "", subPath: rest } };
}

async function runMethod(
  options: AdminApiOptions,
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? "GET";
  if (target.subPath.length > 0 && method !== "PATCH") {
    req.resume();
    return sendAdminError(res, 404, "not found");
  }
  switch (method) {
    case "GET":
      req.resume();
      return target.key === undefined ? sendList(options, res, target, query) : sendOne(options, res, target.kind, target.key);
    case "PUT":
    case "POST":
    case "PATCH": {
      const body = await readJsonBody(req, res, method);
      if (body === NO_BODY) return undefined;
      return write(options, res, method, target, body);
    }
    case "DELETE":
      req.resume();
      return remove(options, res, target, query.get("force") === "true");
    default:
      req.resume();
      return sendAdminError(
        res,
        405,
        `method ${method} is not allowed on the Admin API; use ${ALLOWED_METHODS}`,
        { allow: ALLOWED_METHODS },
      );
  }
}

const NO_BODY = Symbol("no body");

/** Reads and parses the body; answers 413/400 itself and returns NO_BODY when it did. Empty body → undefined. */
async function readJsonBody(req: IncomingMessage, res: ServerResponse, method: string): Promise<unknown> {
  const read = await readBody(req);
  if (!read.ok) {
    sendAdminError(
      res,
      413,
      `request body too large: ${read.tooLarge} bytes exceeds the Admin API limit of ${MAX_BODY_BYTES} bytes (1.5 MiB)`,
      { connection: "close" },
    );
    return NO_BODY;
  }
  if (read.text.trim() === "") {
    sendAdminError(res, 400, method === "PATCH" ? "missing new configuration" : "missing configurations");
    return NO_BODY;
  }
  try {
    const parsed = JSON.parse(read.text) as unknown;
    const tooDeep = nestingLimitExceededAt(read.text);
    if (tooDeep !== undefined) throw new Error(`Found too many nested data structures (${MAX_JSON_DEPTH + 1}) at character ${tooDeep}`);
    return parsed;
  } catch (err) {
    sendJson(res, 400, {
      error_msg: `invalid request body: ${(err as Error).message}`,
      req_body: read.text.length > 4096 ? `${read.text.slice(0, 4096)}...` : read.text,
    });
    return NO_BODY;
  }
}

/** lua-cjson's decode_max_depth, which APISIX's Admin API inherits: deeper bodies are refused with 400. */
const MAX_JSON_DEPTH = 1000;

/**
 * 1-based character position where valid JSON `text` opens its (MAX_JSON_DEPTH + 1)-th nested array/object, or
 * undefined. Iterative, so a hostile body cannot overflow the stack here or in the recursive code after it.
 */
function nestingLimitExceededAt(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return i + 1;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}

/** The object's own id in a body: `id`, or on API7 EE also `route_id` (routes) / `service_id` (services). */
function bodyId(flavor: Flavor, kind: AdminResource, body: Record<string, unknown>): unknown {
  if (body.id !== undefined) return body.id;
  if (flavor === "api7-ee" && kind === "routes") return body.route_id;
  if (flavor === "api7-ee" && kind === "services") return body.service_id;
  return undefined;
}

async function write(
  options: AdminApiOptions,
  res: ServerResponse,
  method: "PUT" | "POST" | "PATCH",
  target: Target,
  body: unknown,
): Promise<void> {
  const { store, flavor } = options;
  const singular = SINGULAR[target.kind];
  if (method === "PATCH") {
    if (target.key === undefined) return sendAdminError(res, 400, `missing ${singular} id`);
    return sendWrite(options, res, method, target.kind, await store.patch(target.kind, target.key, body, target.subPath));
  }
  if (body === null) return sendAdminError(res, 400, "missing configurations");
  if (!isPlainObject(body)) {
    const checked = checkObject(target.kind, body, flavor);
    return sendAdminError(res, 400, checked.ok ? "invalid configuration" : checked.error_msg);
  }
  const fromBody = bodyId(flavor, target.kind, body);
  const pathId = target.key === undefined ? undefined : idOf(target.key);
  if (method === "POST") {
    if (pathId !== undefined || fromBody !== undefined) return sendAdminError(res, 400, `wrong ${singular} id, do not need it`);
    return sendWrite(options, res, method, target.kind, await store.create(target.kind, body, target.prefix));
  }
  if (pathId === undefined && (fromBody === undefined || fromBody === null)) return sendAdminError(res, 400, `missing ${singular} id`);
  if (pathId !== undefined && fromBody !== undefined && String(fromBody) !== pathId) {
    return sendAdminError(res, 400, `wrong ${singular} id`);
  }
  const id = pathId ?? String(fromBody);
  if (id.includes("/")) return sendAdminError(res, 400, `invalid ${singular} id ${JSON.stringify(id)}: must not contain "/"`);
  return sendWrite(options, res, method, target.kind, await store.put(target.kind, target.prefix + id, body));
}

function keyPath(kind: AdminResource, key: string): string {
  const slash = key.indexOf("/");
  if (slash !== -1) return `/apisix/services/${key.slice(0, slash)}/upstreams/${key.slice(slash + 1)}`;
  return `/apisix/${kind}/${key}`;
}

function sendNotFound(options: AdminApiOptions, res: ServerResponse): void {
  if (options.flavor === "api7-ee") sendAdminError(res, 404, "Key not found");
  else sendJson(res, 404, { message: "Key not found" });
}

function sendWrite(options: AdminApiOptions, res: ServerResponse, method: string, kind: AdminResource, out: WriteOutcome): void {
  if (!out.ok) return out.notFound ? sendNotFound(options, res) : sendAdminError(res, out.status, out.error_msg);
  const status = method === "POST" || (method === "PUT" && out.created) ? 201 : 200;
  if (options.flavor === "api7-ee") return sendJson(res, status, { value: out.entry.value });
  return sendJson(res, status, { key: keyPath(kind, out.key), value: out.entry.value });
}

function sendOne(options: AdminApiOptions, res: ServerResponse, kind: AdminResource, key: string): void {
  const entry = options.store.get(kind, key);
  if (!entry) return sendNotFound(options, res);
  if (options.flavor === "api7-ee") return sendJson(res, 200, { value: entry.value });
  return sendJson(res, 200, {
    key: keyPath(kind, key),
    value: entry.value,
    createdIndex: entry.createdIndex,
    modifiedIndex: entry.modifiedIndex,
  });
}

function sendList(options: AdminApiOptions, res: ServerResponse, target: Target, query: URLSearchParams): void {
  const { store, flavor } = options;
  if (target.serviceId !== undefined && !store.get("services", target.serviceId)) return sendNotFound(options, res);
  let items = store.list(target.kind).filter(([key]) => key.startsWith(target.prefix) && (target.prefix !== "" || !key.includes("/")));
  if (target.serviceId !== undefined) items = withDefaultUpstream(store, target.serviceId, items);
  const result = filterList(items, ([, e]) => e.value, query);
  if (!result.ok) return sendAdminError(res, 400, result.error_msg);
  if (flavor === "api7-ee") {
    return sendJson(res, 200, { list: result.items.map(([, e]) => e.value), total: result.total });
  }
  const list = result.items.map(([key, e]) => ({
    key: keyPath(target.kind, key),
    value: e.value,
    createdIndex: e.createdIndex,
    modifiedIndex: e.modifiedIndex,
  }));
  return sendJson(res, 200, { total: result.total, list });
}

/** EE lists a service's inline (default) upstream among its upstreams, with `id` equal to the service id. */
function withDefaultUpstream(store: GatewayStore, serviceId: string, items: Array<[string, StoreEntry]>): Array<[string, StoreEntry]> {
  const service = store.get("services", serviceId);
  const inline = service?.value.upstream;
  if (!service || !isPlainObject(inline)) return items;
  const value = { ...inline, id: serviceId } as ConfigObject;
  return [[`${serviceId}/${serviceId}`, { value, createdIndex: service.createdIndex, modifiedIndex: service.modifiedIndex }], ...items];
}

async function remove(options: AdminApiOptions, res: ServerResponse, target: Target, force: boolean): Promise<void> {
  if (target.key === undefined) return sendAdminError(res, 400, `missing ${SINGULAR[target.kind]} id`);
  const out: RemoveOutcome = await options.store.remove(target.kind, target.key, force);
  if (!out.ok) return out.notFound ? sendNotFound(options, res) : sendAdminError(res, out.status, out.error_msg);
  return sendJson(res, 200, { deleted: "1", key: keyPath(target.kind, target.key) });
}
