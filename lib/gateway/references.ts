/**
 * Referential checks of the Admin API: referenced `service_id` / `upstream_id` must exist when a route or service is
 * written (admin/routes.lua 78-127, admin/services.lua 49-64), and a referenced service or upstream cannot be deleted
 * (admin/services.lua 89-121, admin/upstreams.lua 46-130). Traffic-split `upstream_id`s are only checked on delete.
 */
import type { AdminResource } from "../model/admin-paths";
import type { Flavor } from "../model/gateway-request";
import type { ConfigObject } from "./config-snapshot";
import { isPlainObject } from "./deep-merge";

/** Read access to stored values by kind and key. */
export interface ValueLookup {
  values(kind: AdminResource): Iterable<[string, ConfigObject]>;
  has(kind: AdminResource, key: string): boolean;
}

const notFound = (what: "service" | "upstream" | "plugin config", id: unknown) =>
  `failed to fetch ${what} info by ${what} id [${String(id)}], response code: 404`;

/** The error for a referenced id that does not exist, or undefined when every reference resolves. */
export function checkWriteReferences(
  lookup: ValueLookup,
  flavor: Flavor,
  kind: AdminResource,
  key: string,
  value: Record<string, unknown>,
): string | undefined {
  if (flavor === "api7-ee") {
    if (kind === "routes" && !lookup.has("services", String(value.service_id))) {
      return notFound("service", value.service_id);
    }
    if (kind === "upstreams") {
      const serviceId = key.slice(0, key.indexOf("/"));
      if (!lookup.has("services", serviceId)) return notFound("service", serviceId);
    }
    return undefined;
  }
  if (kind === "upstreams") return undefined;
  if (value.upstream_id !== undefined && !lookup.has("upstreams", String(value.upstream_id))) {
    return notFound("upstream", value.upstream_id);
  }
  if (kind === "routes") {
    if (value.service_id !== undefined && !lookup.has("services", String(value.service_id))) {
      return notFound("service", value.service_id);
    }
    if (value.plugin_config_id !== undefined) return notFound("plugin config", value.plugin_config_id);
  }
  return undefined;
}

/** The `upstream_id`s a traffic-split configuration in `plugins` points at. */
export function trafficSplitUpstreamIds(value: Record<string, unknown>): string[] {
  const plugins = value.plugins;
  const ts = isPlainObject(plugins) ? plugins["traffic-split"] : undefined;
  const rules = isPlainObject(ts) && Array.isArray(ts.rules) ? ts.rules : [];
  const ids: string[] = [];
  for (const rule of rules) {
    const wus = isPlainObject(rule) && Array.isArray(rule.weighted_upstreams) ? rule.weighted_upstreams : [];
    for (const wu of wus) if (isPlainObject(wu) && wu.upstream_id !== undefined) ids.push(String(wu.upstream_id));
  }
  return ids;
}

function sortedValues(lookup: ValueLookup, kind: AdminResource): [string, ConfigObject][] {
  return [...lookup.values(kind)];
}

/** APISIX: the error that refuses deleting a service or upstream still in use, or undefined. */
export function checkDeleteReferences(lookup: ValueLookup, kind: AdminResource, id: string): string | undefined {
  if (kind === "services") {
    for (const [routeId, route] of sortedValues(lookup, "routes")) {
      if (route.service_id !== undefined && String(route.service_id) === id) {
        return `can not delete this service directly, route [${routeId}] is still using it now`;
      }
    }
    return undefined;
  }
  if (kind !== "upstreams") return undefined;
  for (const holder of ["routes", "services"] as const) {
    const singular = holder === "routes" ? "route" : "service";
    for (const [holderId, value] of sortedValues(lookup, holder)) {
      if (value.upstream_id !== undefined && String(value.upstream_id) === id) {
        return `can not delete this upstream, ${singular} [${holderId}] is still using it now`;
      }
      if (trafficSplitUpstreamIds(value).includes(id)) {
        return `can not delete this upstream, plugin in ${singular} [${holderId}] is still using it now`;
      }
    }
  }
  return undefined;
}
