/**
 * Route matching as APISIX's default router `radixtree_host_uri` does it (apisix/http/router/radixtree_host_uri.lua):
 *
 * - Routes with a host (their `hosts`/`host`, else their service's `hosts`) form the host router; the others the
 *   host-less router. A request tries the host router first and the host-less routes only when no host route
 *   matched, so a host route beats a host-less one whatever their `priority`.
 * - In the host router (a radixtree over reversed hosts) the exact host is tried first, then wildcard hosts
 *   (`*.x`), longest first, `*` last; each host has its own uri router, tried as a whole.
 * - In a uri router (lua-resty-radixtree) exact paths come before prefixes (`/*`, `/foo*`), longer prefixes before
 *   shorter ones, then `priority` (higher first, ties in creation order) among the routes of one path; each
 *   candidate is checked against methods, remote_addrs and `vars`.
 *
 * Routes with `status: 0` are left out. API7 EE routes use `paths` and the service's `hosts`/`path_prefix`.
 */
import type { GatewayConfig, ConfigObject } from "./config-snapshot";
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
  readonly route: ConfigObject;
  readonly serviceId: string | undefined;
  /** undefined when the route has no service_id or when the service does not exist. */
  readonly service: ConfigObject | undefined;
  /** EE: the service's `path_prefix` to strip before proxying, when `strip_path_prefix` is not false. */
  readonly stripPrefix: string | undefined;
}

/** A compiled router for one config version. */
export interface Router {
  match(request: RouteRequest): MatchedRoute | undefined;
  /** True when some route's `vars` reads `post_arg_*` (the request body must be buffered before matching). */
  readonly needsBody: boolean;
}

interface Entry {
  readonly matched: MatchedRoute;
  readonly priority: number;
  readonly order: number;
  readonly methods: ReadonlySet<string> | undefined;
  readonly remote: IpMatcher | undefined;
  readonly vars: CompiledVars | undefined;
}

/** One uri radixtree: exact paths, and prefixes longest first; each path's routes by priority, then order. */
class UriRouter {
  private readonly exact = new Map<string, Entry[]>();
  private readonly prefixes = new Map<string, Entry[]>();
  private prefixList: Array<[string, Entry[]]> = [];

  add(paths: readonly string[], entry: Entry): void {
    for (const p of paths) {
      const star = p.indexOf("*");
      if (star === -1) push(this.exact, p, entry);
      else push(this.prefixes, p.slice(0, star), entry); // `/foo*`, `/*`, and the `/*name` named wildcard
    }
  }

  /** Sorts once every route is added. */
  seal(): void {
    const byPriority = (list: Entry[]) => list.sort((a, b) => b.priority - a.priority || a.order - b.order);
    this.exact.forEach(byPriority);
    this.prefixes.forEach(byPriority);
    this.prefixList = [...this.prefixes.entries()].sort((a, b) => b[0].length - a[0].length);
  }

  match(request: RouteRequest): MatchedRoute | undefined {
    const hit = this.exact.get(request.path);
    if (hit) {
      const m = firstMatch(hit, request);
      if (m) return m;
    }
    for (const [prefix, entries] of this.prefixList) {
      if (!request.path.startsWith(prefix)) continue;
      const m = firstMatch(entries, request);
      if (m) return m;
    }
    return undefined;
  }
}

/** The host router: one uri router per exact host, and per wildcard suffix (`*.x` → `.x`, `*` → ""). */
class HostRouter {
  private readonly exact = new Map<string, UriRouter>();
  private readonly wildcards = new Map<string, UriRouter>();
  private wildcardList: Array<[string, UriRouter]> = [];

  add(hosts: readonly string[], paths: readonly string[], entry: Entry): void {
    for (const host of new Set(hosts.map((h) => h.toLowerCase()))) {
      const [map, key] = host.startsWith("*") ? [this.wildcards, host.slice(1)] : [this.exact, host];
      let router = map.get(key);
      if (!router) map.set(key, (router = new UriRouter()));
      router.add(paths, entry);
    }
  }

  /** Sorts once every route is added. */
  seal(): void {
    for (const router of [...this.exact.values(), ...this.wildcards.values()]) router.seal();
    this.wildcardList = [...this.wildcards.entries()].sort((a, b) => b[0].length - a[0].length);
  }

  match(request: RouteRequest): MatchedRoute | undefined {
    const host = request.host;
    if (host === undefined) return undefined;
    const exact = this.exact.get(host)?.match(request);
    if (exact) return exact;
    for (const [suffix, router] of this.wildcardList) {
      if (!host.endsWith(suffix)) continue;
      const m = router.match(request);
      if (m) return m;
    }
    return undefined;
  }
}

/** Compiles the routes of a snapshot. */
export function compileRouter(config: GatewayConfig): Router {
  const withHost = new HostRouter();
  const hostless = new UriRouter();
  let needsBody = false;
  let order = 0;
  for (const route of config.routes.values()) {
    const compiled = compileRoute(config, route, order++);
    if (!compiled) continue;
    const { entry, paths, hosts } = compiled;
    if (entry.vars && varsVariables(entry.vars).some((v) => v.startsWith("post_arg"))) needsBody = true;
    if (hosts) withHost.add(hosts, paths, entry);
    else hostless.add(paths, entry);
  }
  withHost.seal();
  hostless.seal();
  return {
    needsBody,
    match: (request) => withHost.match(request) ?? hostless.match(request),
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
  if (e.remote && !e.remote.match(request.remoteAddr)) return false;
  if (e.vars && !evaluateVars(e.vars, request.vars)) return false;
  return true;
}

function compileRoute(
  config: GatewayConfig,
  route: ConfigObject,
  order: number,
): { entry: Entry; paths: string[]; hosts: string[] | undefined } | undefined {
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
    remote: compileRemote(route),
    vars,
  };
  return { entry, paths, hosts: hostList && hostList.length > 0 ? hostList : undefined };
}

function compileRemote(route: ConfigObject): IpMatcher | undefined {
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
export function pluginsOf(obj: ConfigObject | undefined): Readonly<Record<string, unknown>> {
  return asObject(obj?.plugins) ?? {};
}
