/**
 * A small, fault-injecting fake of the APISIX / API7 EE Admin API for client and hook tests.
 *
 * Without faults it behaves like a tiny gateway: an in-memory store of routes, services and upstreams (EE:
 * service-scoped upstreams) with the envelopes, status codes, 401 body and reference checks of the real thing (EE:
 * deleting a service deletes its routes and upstreams).
 * Faults are queued with `fail()` and consumed one per request (optionally only by matching requests): a status
 * with a body, a delay, a hang, a connection reset or a close without answer. Every request is recorded.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type FakeFlavor = "apisix" | "api7-ee";

/** One injected behaviour, consumed by one request. */
export type Fault =
  | { readonly status: number; readonly body?: unknown; readonly rawBody?: string }
  | { readonly hang: true }
  | { readonly delayMs: number }
  | { readonly reset: true }
  | { readonly close: true };

export interface RecordedRequest {
  readonly method: string;
  /** Path with query, as received. */
  readonly url: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: unknown;
}

export interface FakeAdminOptions {
  readonly flavor?: FakeFlavor;
  /** When set, requests without this `X-API-KEY` get the APISIX 401 body. */
  readonly adminKey?: string;
  /** API7 EE: when set, requests must carry `?gateway_group_id=<this>`. */
  readonly gatewayGroupId?: string;
}

type StoredValue = Record<string, unknown>;

export interface FakeAdmin {
  readonly url: string;
  readonly port: number;
  readonly flavor: FakeFlavor;
  readonly requests: RecordedRequest[];
  /** Store keyed by `routes/<id>`, `services/<id>`, `upstreams/<id>` or (EE) `services/<sid>/upstreams/<id>`. */
  readonly store: Map<string, StoredValue>;
  /** Queues faults consumed by the next requests (matching `when`, if given). */
  fail(...faults: Fault[]): void;
  failWhen(when: (req: RecordedRequest) => boolean, ...faults: Fault[]): void;
  /** Called on every stored PUT body; lets a test make the gateway store something else (read-after-write). */
  transformStored?: (key: string, value: StoredValue) => StoredValue;
  /**
   * API7 EE: answers list requests instead of the honest `{list, total}` page (e.g. a server that ignores `page`);
   * gets every stored object of the collection, in order, and the request's query.
   */
  listAnswer?: (items: StoredValue[], query: URLSearchParams) => unknown;
  /** Puts an object straight into the store (e.g. an unmanaged one). */
  seed(key: string, value: StoredValue): void;
  /** Requests whose method and path (without query) match. */
  requestsTo(method: string, pathPrefix?: string): RecordedRequest[];
  close(): Promise<void>;
}

interface QueuedFault {
  readonly when?: (req: RecordedRequest) => boolean;
  readonly fault: Fault;
}

const ADMIN = "/apisix/admin/";

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeAdmin(options: FakeAdminOptions = {}): Promise<FakeAdmin> {
  const flavor = options.flavor ?? "apisix";
  const requests: RecordedRequest[] = [];
  const store = new Map<string, StoredValue>();
  const queue: QueuedFault[] = [];
  let clock = 1_700_000_000;

  const fake: FakeAdmin = {
    url: "",
    port: 0,
    flavor,
    requests,
    store,
    fail: (...faults) => queue.push(...faults.map((fault) => ({ fault }))),
    failWhen: (when, ...faults) => queue.push(...faults.map((fault) => ({ when, fault }))),
    seed: (key, value) => {
      store.set(key, { ...value, id: key.slice(key.lastIndexOf("/") + 1) });
    },
    requestsTo: (method, pathPrefix = "") =>
      requests.filter((r) => r.method === method && r.pathname.startsWith(pathPrefix)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "x-api-version": "v3" });
    res.end(text);
  };

  const single = (key: string, value: StoredValue): unknown =>
    flavor === "apisix" ? { key: `/apisix/${key}`, value } : { value };

  const handle = (req: RecordedRequest, res: http.ServerResponse): void => {
    if (options.adminKey !== undefined) {
      const got = req.headers["x-api-key"];
      if (got !== options.adminKey) {
        send(res, 401, {
          error_msg: "failed to check token",
          description: got === undefined ? "missing apikey" : "wrong apikey",
        });
        return;
      }
    }
    if (flavor === "api7-ee" && options.gatewayGroupId !== undefined) {
      if (req.query.get("gateway_group_id") !== options.gatewayGroupId) {
        send(res, 400, { error_msg: `gateway group "${req.query.get("gateway_group_id") ?? ""}" not found` });
        return;
      }
    }
    if (!req.pathname.startsWith(ADMIN)) {
      send(res, 404, { error_msg: "404 Route Not Found" });
      return;
    }
    const segments = req.pathname.slice(ADMIN.length).split("/").filter(Boolean).map(decodeURIComponent);
    const isCollection =
      segments.length === 1 || (flavor === "api7-ee" && segments.length === 3 && segments[2] === "upstreams");
    const isItem =
      segments.length === 2 || (flavor === "api7-ee" && segments.length === 4 && segments[2] === "upstreams");
    const resource = segments[0];
    if (!["routes", "services", "upstreams"].includes(resource ?? "") || (!isCollection && !isItem)) {
      send(res, 404, { error_msg: `Unsupported resource type: ${resource ?? ""}` });
      return;
    }
    if (flavor === "api7-ee" && resource === "upstreams") {
      send(res, 404, { error_msg: "resource not found" });
      return;
    }
    const key = segments.join("/");

    if (isCollection) {
      if (req.method !== "GET") {
        send(res, 405, { error_msg: "method not allowed" });
        return;
      }
      const prefix = `${key}/`;
      const items = [...store.entries()].filter(
        ([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes("/"),
      );
      if (flavor === "apisix") {
        send(res, 200, {
          total: items.length,
          list: items.map(([k, value], i) => ({ key: `/apisix/${k}`, value, createdIndex: i + 1, modifiedIndex: i + 1 })),
        });
      } else if (fake.listAnswer) {
        send(res, 200, fake.listAnswer(items.map(([, value]) => value), req.query));
      } else {
        const page = Number(req.query.get("page") ?? "1");
        const size = Number(req.query.get("page_size") ?? "10");
        const slice = items.slice((page - 1) * size, page * size);
        send(res, 200, { total: items.length, list: slice.map(([, value]) => value) });
      }
      return;
    }

    const existing = store.get(key);
    switch (req.method) {
      case "GET":
        if (!existing) send(res, 404, { message: "Key not found" });
        else send(res, 200, flavor === "apisix" ? { ...(single(key, existing) as object), createdIndex: 1, modifiedIndex: 2 } : single(key, existing));
        return;
      case "PUT": {
        if (!req.body || typeof req.body !== "object" || Array.isArray(req.body)) {
          send(res, 400, { error_msg: "invalid request body", req_body: req.rawBody });
          return;
        }
        const body = req.body as StoredValue;
        if ("create_time" in body || "update_time" in body) {
          send(res, 400, { error_msg: "the property is forbidden:  create_time" });
          return;
        }
        const id = segments[segments.length - 1] as string;
        clock += 1;
        let value: StoredValue = {
          ...body,
          id,
          create_time: (existing?.create_time as number | undefined) ?? clock,
          update_time: clock,
        };
        if (fake.transformStored) value = fake.transformStored(key, value);
        store.set(key, value);
        send(res, existing ? 200 : 201, single(key, value));
        return;
      }
      case "DELETE": {
        if (!existing) {
          send(res, 404, { message: "Key not found" });
          return;
        }
        // API7 EE never refuses a service delete: it deletes the service's routes and upstreams along with it
        const cascade = flavor === "api7-ee" && resource === "services" && segments.length === 2;
        const blocker = cascade ? undefined : referencedBy(store, key);
        if (blocker) {
          send(res, 400, {
            error_msg:
              resource === "services"
                ? `can not delete this service directly, route [${blocker}] is still using it now`
                : `can not delete this upstream, route [${blocker}] is still using it now`,
          });
          return;
        }
        store.delete(key);
        if (cascade) {
          for (const [k, v] of [...store.entries()]) {
            if (k.startsWith(`${key}/upstreams/`) || (k.startsWith("routes/") && v.service_id === segments[1])) store.delete(k);
          }
        }
        send(res, 200, flavor === "apisix" ? { deleted: "1", key: `/apisix/${key}` } : { value: existing });
        return;
      }
      default:
        send(res, 404, { error_msg: "not found" });
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = rawBody ? (JSON.parse(rawBody) as unknown) : undefined;
      } catch {
        body = undefined;
      }
      const url = new URL(req.url ?? "/", "http://fake");
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        pathname: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        body,
      };
      requests.push(recorded);
      const idx = queue.findIndex((q) => !q.when || q.when(recorded));
      const fault = idx >= 0 ? queue.splice(idx, 1)[0]?.fault : undefined;
      if (!fault) return handle(recorded, res);
      if ("hang" in fault) return; // never answer; closeAllConnections() ends it
      if ("reset" in fault) return void req.socket.destroy();
      if ("close" in fault) return void req.socket.end();
      if ("delayMs" in fault) {
        setTimeout(() => {
          if (!res.destroyed) handle(recorded, res);
        }, fault.delayMs);
        return;
      }
      if (fault.rawBody !== undefined) {
        res.writeHead(fault.status, { "content-type": "text/html" });
        res.end(fault.rawBody);
        return;
      }
      send(res, fault.status, fault.body ?? { error_msg: `injected ${fault.status}` });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  Object.assign(fake, { port, url: `http://127.0.0.1:${port}` });
  return fake;
}

/** Id of a route/service that still references `key` (a service or upstream), if any. */
function referencedBy(store: Map<string, StoredValue>, key: string): string | undefined {
  const parts = key.split("/");
  const [resource, id] = parts;
  if (parts.length !== 2) return undefined;
  if (resource !== "services" && resource !== "upstreams") return undefined;
  const field = resource === "services" ? "service_id" : "upstream_id";
  for (const [k, v] of store) {
    if (k === key) continue;
    if (v[field] === id) return String(v.id);
    if (resource === "upstreams" && JSON.stringify(v.plugins ?? {}).includes(`"upstream_id":"${id}"`)) {
      return String(v.id);
    }
  }
  return undefined;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
