/**
 * Which of a matched route's patterns the request matched, as APISIX's radixtree router records them in
 * `ctx.curr_req_matched` (`_path`: the configured uri, e.g. `/shop/*`; `_host`: the configured host, e.g.
 * `*.example.com`, only when the route, or its service, has hosts). The prometheus plugin labels with them.
 *
 * The route's paths and hosts are read the way router.ts compiles them (API7 EE: the service's `path_prefix` is
 * joined to `paths`, and hosts come from the service only). A path is tried exactly first, then the longest
 * prefix; a host exactly first, then the longest wildcard suffix, then `*`: the radixtree order.
 */
import type { Flavor } from "../model/gateway-request";
import { asString, stringList } from "./data-plane-values";
import { joinPrefix, type MatchedRoute } from "./router";

/** The configured uri of `matched` that `path` matched ("" if none does). */
export function matchedUri(matched: MatchedRoute, flavor: Flavor, path: string): string {
  const { route, service } = matched;
  const ee = flavor === "api7-ee";
  let paths = (ee ? stringList(route.paths, undefined) ?? stringList(route.uris, route.uri) : stringList(route.uris, route.uri)) ?? [];
  const prefix = ee && service ? asString(service.path_prefix) : undefined;
  if (prefix) paths = paths.map((p) => joinPrefix(prefix, p));
  if (paths.includes(path)) return path;
  let best = "";
  let bestLength = -1;
  for (const p of paths) {
    const star = p.indexOf("*");
    if (star < 0) continue;
    const head = p.slice(0, star);
    if (path.startsWith(head) && head.length > bestLength) {
      best = p;
      bestLength = head.length;
    }
  }
  return best;
}

/** The configured host of `matched` that `host` matched ("" when the route has no hosts). */
export function matchedHost(matched: MatchedRoute, flavor: Flavor, host: string | undefined): string {
  const { route, service } = matched;
  const hosts =
    flavor === "api7-ee"
      ? stringList(service?.hosts, undefined)
      : stringList(route.hosts, route.host) ?? stringList(service?.hosts, undefined);
  if (!hosts || hosts.length === 0 || host === undefined) return "";
  const exact = hosts.find((h) => h.toLowerCase() === host);
  if (exact !== undefined) return exact;
  let best = "";
  for (const h of hosts) {
    const suffix = h.slice(1).toLowerCase();
    if (h.startsWith("*") && h !== "*" && host.endsWith(suffix) && host.length > suffix.length && h.length > best.length) best = h;
  }
  if (best) return best;
  return hosts.includes("*") ? "*" : "";
}
