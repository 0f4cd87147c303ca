/**
 * Route matching as APISIX's radixtree router does it: exact paths before prefix paths (`/*`, `/foo*`), longer
 * prefixes before shorter ones, then `priority` (higher first, ties in insertion order) among the routes of one
 * path; each candidate is checked against methods, hosts (route hosts, else service hosts; `*.x` wildcards),
 * remote_addrs and `vars`. Routes with `status: 0` are skipped. API7 EE routes use `paths` and the service's
 * `hosts`/`path_prefix`.
 */
import type { GatewayConfig, StoredObject } from "./config-snapshot";
import { asArray, asId, asNumber, asObject, asString, stringList } from "./data-plane-values";
import { compileIpMatcher, type IpMatcher } from "../expr/ip-match";
import { compileVars, evaluateVars, varsVariables, type CompiledVars, type VarLookup } from "../expr/vars";

/** What the router needs to know about a request. */
export interface RouteRequest {
  /** Normalized path (nginx `$uri`). */
  readonly path: string;
  readonly method: string;
  /** Lower-cased host without port. */
  readonly host: string | undefined;
  readonly remoteAddr: string;
  readonly vars: VarLookup;
}

/** A matched route with its service. */
export interface MatchedRoute {
  readonly route: StoredObject;
  readonly serviceId: string | undefined;
  /** undefined when the route has no service_id or when the service does not exist. */
  readonly service: StoredObject | undefined;
  /** EE: the service's `path_prefix` to strip before proxying, when `strip_path_prefix` is not false. */
  readonly stripPrefix: string | undefined;
}

/** A compiled router for one config version. */
export interface Router {
  match(request: RouteRequest): MatchedRoute | undefined;
  /** True when some route's `vars` reads `post_arg_*` (the request body must be buffered before matching). */
  readonly needsBody: boolean;
}

type HostRule = { readonly any: true } | { readonly exact: string } | { readonly suffix: string };

interface Entry {
  readonly matched: MatchedRoute;
  readonly priority: number;
  readonly order: number;
  readonly methods: ReadonlySet<string> | undefined;
  readonly hosts: readonly HostRule[] | undefined;
  readonly remote: IpMatcher | undefined;
  readonly vars: CompiledVars | undefined;
}

/** Compiles the routes of a snapshot. */
export function compileRouter(config: GatewayConfig): Router {
  const exact = new Map<string, Entry[]>();
  const prefixes = new Map<string, Entry[]>();
  let needsBody = false;
  let order = 0;
  for (const route of config.routes.values()) {
    const compiled = compileRoute(config, route, order++);
    if (!compiled) continue;
    const { entry, paths } = compiled;
    if (entry.vars && varsVariables(entry.vars).some((v) => v.startsWith("post_arg"))) needsBody = true;
    for (const p of paths) {
      const star = p.endsWith("*") ? p.indexOf("*") : -1;
      if (star >= 0 && star === p.length - 1) push(prefixes, p.slice(0, -1), entry);
      else if (p.includes("*")) push(prefixes, p.slice(0, p.indexOf("*")), entry); // `/*name` named wildcard
      else push(exact, p, entry);
    }
  }
  const sortEntries = (list: Entry[]) => list.sort((a, b) => b.priority - a.priority || a.order - b.order);
  exact.forEach(sortEntries);
  prefixes.forEach(sortEntries);
  const prefixList = [...prefixes.entries()].sort((a, b) => b[0].length - a[0].length);
  return {
    needsBody,
    match(request) {
      const hit = exact.get(request.path);
      if (hit) {
        const m = firstMatch(hit, request);
        if (m) return m;
      }
      for (const [prefix, entries] of prefixList) {
        if (!request.path.startsWith(prefix)) continue;
        const m = firstMatch(entries, request);
        if (m) return m;
      }
      return undefined;
    },
  };
}

function push(map: Map<string, Entry[]>, key: string, entry: Entry): void {
  const list = map.get(key);
  if (list) {
    if (!list.includes(entry)) list.push(entry);
  } else map.set(key, [entry]);
}

function firstMatch(entries: readonly Entry[], request: RouteRequest): MatchedRoute | undefined {
  for (const e of entries) if (entryMatches(e, request)) return e.matched;
  return undefined;
}

function entryMatches(e: Entry, request: RouteRequest): boolean {
  if (e.methods && !e.methods.has(request.method)) return false;
  if (e.hosts && !hostMatches(e.hosts, request.host)) return false;
  if (e.remote && !e.remote.match(request.remoteAddr)) return false;
  if (e.vars && !evaluateVars(e.vars, request.vars)) return false;
  return true;
}

function hostMatches(rules: readonly HostRule[], host: string | undefined): boolean {
  if (host === undefined) return false;
  for (const r of rules) {
    if ("any" in r) return true;
    if ("exact" in r ? host === r.exact : host.endsWith(r.suffix) && host.length > r.suffix.length) return true;
  }
  return false;
}

function compileRoute(
  config: GatewayConfig,
  route: StoredObject,
  order: number,
): { entry: Entry; paths: string[] } | undefined {
  if (route.status === 0) return undefined;
  const serviceId = asId(route.service_id);
  const service = serviceId !== undefined ? config.services.get(serviceId) : undefined;
  const ee = config.flavor === "api7-ee";
  if (ee && service && service.status === 0) return undefined;
  let paths = ee ? stringList(route.paths, undefined) ?? stringList(route.uris, route.uri) : stringList(route.uris, route.uri);
  if (!paths || paths.length === 0) return undefined;
  let stripPrefix: string | undefined;
  const pathPrefix = ee && service ? asString(service.path_prefix) : undefined;
  if (pathPrefix) {
    paths = paths.map((p) => joinPrefix(pathPrefix, p));
    if (service?.strip_path_prefix !== false) stripPrefix = pathPrefix.replace(/\/+$/, "");
  }
  let vars: CompiledVars | undefined;
  if (route.vars !== undefined) {
    try {
      vars = compileVars(route.vars);
    } catch {
      return undefined; // the admin API rejects these; a route we cannot evaluate never matches
    }
  }
  const methodList = asArray(route.methods);
  const hostList = ee
    ? stringList(service?.hosts, undefined)
    : stringList(route.hosts, route.host) ?? stringList(service?.hosts, undefined);
  const entry: Entry = {
    matched: { route, serviceId, service, stripPrefix },
    priority: asNumber(route.priority, 0),
    order,
    methods: methodList && methodList.length > 0 ? new Set(methodList.map((m) => String(m).toUpperCase())) : undefined,
    hosts: hostList && hostList.length > 0 ? hostList.map(compileHost) : undefined,
    remote: compileRemote(route),
    vars,
  };
  return { entry, paths };
}

function compileHost(host: string): HostRule {
  const h = host.toLowerCase();
  if (h === "*") return { any: true };
  if (h.startsWith("*")) return { suffix: h.slice(1) };
  return { exact: h };
}

function compileRemote(route: StoredObject): IpMatcher | undefined {
  const list = stringList(route.remote_addrs, route.remote_addr);
  if (!list || list.length === 0) return undefined;
  try {
    return compileIpMatcher(list);
  } catch {
    return { match: () => false };
  }
}

/** `/api` + `/users` → `/api/users`; `/api/` + `/users` → `/api/users`. */
export function joinPrefix(prefix: string, path: string): string {
  if (prefix.endsWith("/") && path.startsWith("/")) return prefix + path.slice(1);
  if (!prefix.endsWith("/") && !path.startsWith("/")) return `${prefix}/${path}`;
  return prefix + path;
}

/** Reads the plugin object of a stored route/service (tolerant). */
export function pluginsOf(obj: StoredObject | undefined): Readonly<Record<string, unknown>> {
  return asObject(obj?.plugins) ?? {};
}
