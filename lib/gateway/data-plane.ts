/**
 * The embedded gateway's data plane: matches a route, runs traffic-split, resolves the upstream, picks a node and
 * proxies. The config is read ONCE per request (`source.current()`), so a write affects the very next request and
 * an in-flight request keeps the snapshot it started with. Everything compiled (router, traffic-split pickers,
 * node balancers) is cached per `config.version`, so picker state resets when the config changes, as in APISIX.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ConfigSource, GatewayConfig } from "./config-snapshot";
import { asArray, asObject, type Obj } from "./data-plane-values";
import type { GatewayMetrics } from "./metrics";
import { plainAddress } from "./peer-pool";
import { prometheusConf, routeLabels, type PrometheusConf } from "./prometheus-plugin";
import { originOf, Proxy, sendError } from "./proxy";
import { RequestLog } from "./request-log";
import { compileRouter, pluginsOf, type MatchedRoute, type Router } from "./router";
import { compileTrafficSplit, type SplitDecision, type CompiledTrafficSplit } from "./traffic-split";
import { normalizeNodes, resolveUpstream, UpstreamCache, type Timeouts } from "./upstream-resolver";
import { createRequestVars, hostOf, type RequestVarsContext } from "../expr/request-vars";

export interface DataPlaneOptions {
  /** Upstream connect timeout when neither route, service nor upstream sets one. @default 60000 */
  readonly defaultTimeoutMs?: number;
  /** Adds `X-Bluegreen-Upstream: <upstream id | "inline">` to proxied responses. @default true */
  readonly debugHeaders?: boolean;
  /** Largest form body buffered for `post_arg_*` variables. @default 1048576 */
  readonly maxBufferedBody?: number;
  /** Where routes that enable the `prometheus` plugin count their requests. */
  readonly metrics?: GatewayMetrics;
}

export interface DataPlane {
  /** Handles one client request on the proxy listener; never throws, always answers. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Closes pooled upstream connections. */
  close(): Promise<void>;
}

interface CompiledConfig {
  readonly version: number;
  readonly router: Router;
  readonly upstreams: UpstreamCache;
  /** traffic-split per route id (merged route/service plugins); absent → plugin not configured. */
  readonly splits: ReadonlyMap<string, CompiledTrafficSplit>;
  /** The prometheus plugin per route id (merged route/service plugins); absent → not counted. */
  readonly prometheus: ReadonlyMap<string, PrometheusConf>;
  readonly needsBody: boolean;
}

const NO_SPLIT: SplitDecision = { kind: "none" };
const ROUTE_NOT_FOUND = JSON.stringify({ error_msg: "404 Route Not Found" }) + "\n";
const noop = (): void => undefined;

/** Creates the data plane over a config source. */
export function createDataPlane(source: ConfigSource, options: DataPlaneOptions = {}): DataPlane {
  const defaultMs = options.defaultTimeoutMs ?? 60_000;
  const defaults: Timeouts = { connect: defaultMs, send: 60_000, read: 60_000 };
  const debug = options.debugHeaders ?? true;
  const maxBody = options.maxBufferedBody ?? 1024 * 1024;
  const proxy = new Proxy();
  let compiled: CompiledConfig | undefined;

  const compiledFor = (config: GatewayConfig): CompiledConfig => {
    if (compiled && compiled.version === config.version) return compiled;
    const next = compileConfig(config);
    compiled = next;
    proxy.retainOnly(referencedOrigins(config));
    return next;
  };

  const run = async (req: IncomingMessage, res: ServerResponse, log: RequestLog | undefined): Promise<void> => {
    const config = source.current();
    const state = compiledFor(config);
    const remoteAddr = plainAddress(req.socket?.remoteAddress ?? "");
    let body: Buffer | undefined;
    if (state.needsBody && isFormBody(req)) {
      body = await readBody(req, maxBody);
      if (body === undefined) return sendError(res, 413);
    }
    const context: RequestVarsContext = {};
    const vars = createRequestVars(req, { remoteAddr, body, context });
    const host = hostOf(req);
    const path = vars("uri") as string;
    const matched = state.router.match({ path, method: req.method ?? "GET", host, remoteAddr, vars });
    if (!matched) {
      return sendError(res, 404, { body: ROUTE_NOT_FOUND, contentType: "text/plain; charset=utf-8" });
    }
    fillContext(context, matched);
    if (matched.serviceId !== undefined && !matched.service) return sendError(res, 404);
    const counted = log && state.prometheus.get(matched.route.id);
    if (counted) log.count(routeLabels(matched, counted, config.flavor, { path, host }));
    const split = state.splits.get(matched.route.id);
    const decision = split ? split.decide(vars) : NO_SPLIT;
    if (decision.kind === "error") {
      if (decision.body === undefined) return sendError(res, decision.status);
      return sendError(res, decision.status, { body: decision.body + "\n", contentType: "text/plain; charset=utf-8" });
    }
    const resolution = resolveUpstream(matched, decision, state.upstreams);
    if (!resolution.ok) {
      const headers = { "x-bluegreen-error": resolution.reason };
      if (resolution.status === 500) {
        return sendError(res, 500, { body: resolution.reason + "\n", contentType: "text/plain; charset=utf-8", headers });
      }
      return sendError(res, resolution.status, { headers });
    }
    const { upstream } = resolution;
    const timeout = resolution.timeout ?? defaults;
    await proxy.forward({
      req,
      res,
      upstream,
      timeout,
      path: upstreamPath(req.url ?? "/", matched.stripPrefix),
      remoteAddr,
      clientScheme: (req.socket as TLSSocket | undefined)?.encrypted ? "https" : "http",
      host,
      body,
      vars,
      retries: upstream.retries,
      report: counted ? log.upstream : undefined,
      responseHeaders: debug ? { "x-bluegreen-upstream": upstream.label } : undefined,
    });
  };

  return {
    handle(req, res) {
      req.on("error", noop);
      res.on("error", noop);
      const log = options.metrics ? new RequestLog(options.metrics, req, res) : undefined;
      try {
        run(req, res, log).catch(() => sendError(res, 500));
      } catch {
        sendError(res, 500);
      }
    },
    close: () => proxy.close(),
  };
}

function compileConfig(config: GatewayConfig): CompiledConfig {
  const router = compileRouter(config);
  const upstreams = new UpstreamCache(config);
  const splits = new Map<string, CompiledTrafficSplit>();
  const prometheus = new Map<string, PrometheusConf>();
  let needsBody = router.needsBody;
  for (const route of config.routes.values()) {
    const serviceId = route.service_id === undefined ? undefined : String(route.service_id);
    const service = serviceId !== undefined ? config.services.get(serviceId) : undefined;
    const counted = prometheusConf(route, service);
    if (counted) prometheus.set(route.id, counted);
    // Route plugins override service plugins by name.
    const conf = pluginsOf(route)["traffic-split"] ?? pluginsOf(service)["traffic-split"];
    if (conf === undefined) continue;
    const split = compileTrafficSplit(conf, (id) => upstreams.stored(id, serviceId) !== undefined);
    if (!split) continue;
    splits.set(route.id, split);
    if (split.needsBody) needsBody = true;
  }
  return { version: config.version, router, upstreams, splits, prometheus, needsBody };
}

/** Every `scheme://host:port` the config can send traffic to (pools of other origins get closed). */
function referencedOrigins(config: GatewayConfig): Set<string> {
  const origins = new Set<string>();
  const addUpstream = (value: unknown) => {
    const up = asObject(value);
    if (!up) return;
    const scheme = up.scheme === "https" ? "https" : "http";
    for (const node of normalizeNodes(up.nodes, scheme === "https" ? 443 : 80)) origins.add(originOf(scheme, node));
  };
  const addPlugins = (obj: Obj | undefined) => {
    const ts = asObject(asObject(obj?.plugins)?.["traffic-split"]);
    for (const rule of asArray(ts?.rules) ?? []) {
      for (const w of asArray(asObject(rule)?.weighted_upstreams) ?? []) addUpstream(asObject(w)?.upstream);
    }
  };
  for (const up of config.upstreams.values()) addUpstream(up);
  for (const obj of [...config.routes.values(), ...config.services.values()]) {
    addUpstream(obj.upstream);
    addPlugins(obj);
  }
  return origins;
}

function fillContext(context: RequestVarsContext, matched: MatchedRoute): void {
  context.routeId = matched.route.id;
  context.routeName = typeof matched.route.name === "string" ? matched.route.name : undefined;
  context.serviceId = matched.serviceId;
  context.serviceName = typeof matched.service?.name === "string" ? matched.service.name : undefined;
}

/** The request URI sent upstream: the client's, with the EE `path_prefix` stripped when configured. */
function upstreamPath(url: string, stripPrefix: string | undefined): string {
  if (!stripPrefix) return url;
  if (url.startsWith(stripPrefix)) {
    const rest = url.slice(stripPrefix.length);
    if (rest === "" || rest.startsWith("?")) return "/" + rest;
    return rest.startsWith("/") ? rest : "/" + rest;
  }
  return url;
}

function isFormBody(req: IncomingMessage): boolean {
  const ct = req.headers["content-type"];
  return typeof ct === "string" && ct.split(";")[0].trim().toLowerCase() === "application/x-www-form-urlencoded";
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on("error", () => resolve(Buffer.concat(chunks)));
    req.on("aborted", () => resolve(Buffer.concat(chunks)));
  });
}
