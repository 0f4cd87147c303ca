/**
 * Admin API path conventions: the one place that says where an object lives, for the model, the client and the sweep.
 *
 * APISIX:  `/apisix/admin/<resource>/<id>`
 * API7 EE: `/apisix/admin/<resource>/<id>?gateway_group_id=<g>`; upstreams are service-scoped:
 *          `/apisix/admin/services/<service id>/upstreams/<id>?gateway_group_id=<g>`.
 */
import type { Flavor } from "./gateway-request";

/** The gateway resources this project writes. */
export type AdminResource = "routes" | "services" | "upstreams";

/** Query parameter that scopes every API7 EE Admin API call to one gateway group. */
export const GATEWAY_GROUP_PARAM = "gateway_group_id";

const ADMIN_PREFIX = "/apisix/admin/";

/**
 * The Admin API path of one object, e.g. `objectPath("apisix", "routes", "r1")` → `/apisix/admin/routes/r1`,
 * `objectPath("api7-ee", "routes", "r1", "g")` → `/apisix/admin/routes/r1?gateway_group_id=g`.
 * On API7 EE an upstream needs `serviceId` (upstreams live under their service).
 */
export function objectPath(
  flavor: Flavor,
  resource: AdminResource,
  id: string,
  gatewayGroupId?: string,
  serviceId?: string,
): string {
  if (id.length === 0) throw new Error(`objectPath: empty id for ${resource}`);
  let path: string;
  if (flavor === "api7-ee" && resource === "upstreams") {
    if (!serviceId) {
      throw new Error(
        `objectPath: API7 EE has no standalone upstreams; upstream "${id}" needs the id of the service it belongs to`,
      );
    }
    path = `${ADMIN_PREFIX}services/${encodeURIComponent(serviceId)}/upstreams/${encodeURIComponent(id)}`;
  } else {
    path = `${ADMIN_PREFIX}${resource}/${encodeURIComponent(id)}`;
  }
  return flavor === "api7-ee" && gatewayGroupId ? withQueryParam(path, GATEWAY_GROUP_PARAM, gatewayGroupId) : path;
}

/** Adds `name=value` to `path`'s query unless `name` is already present. */
export function withQueryParam(path: string, name: string, value: string): string {
  const [base, query = ""] = splitQuery(path);
  const params = new URLSearchParams(query);
  if (params.has(name)) return path;
  params.append(name, value);
  return `${base}?${params.toString()}`;
}

/**
 * A path with its query parameters sorted, so that `/x?b=1&a=2` and `/x?a=2&b=1` compare equal.
 * Percent-encoding is normalised too (`r%2Db` vs `r-b` in a segment, `%2F` vs `/` in the query).
 */
export function canonicalPath(path: string): string {
  const [rawBase, query = ""] = splitQuery(path);
  const base = rawBase.split("/").map(normaliseSegment).join("/");
  if (query === "") return base;
  const params = [...new URLSearchParams(query).entries()].sort(([ak, av], [bk, bv]) =>
    ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1,
  );
  if (params.length === 0) return base;
  return `${base}?${new URLSearchParams(params).toString()}`;
}

function normaliseSegment(segment: string): string {
  try {
    return encodeURIComponent(decodeURIComponent(segment));
  } catch {
    return segment;
  }
}

function splitQuery(path: string): [string, string | undefined] {
  const q = path.indexOf("?");
  return q < 0 ? [path, undefined] : [path.slice(0, q), path.slice(q + 1)];
}
