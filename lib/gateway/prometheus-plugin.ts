/**
 * The `prometheus` plugin in the data plane: which routes count (the plugin on the route or on its service, route
 * configuration first, not `_meta.disable`d) and the labels of a counted request (exporter.lua `http_log`: route and
 * service ids, or names with `prefer_name`; the matched uri and host patterns).
 */
import type { ConfigObject } from "./config-snapshot";
import { asObject } from "./data-plane-values";
import { matchedHost, matchedUri } from "./matched-pattern";
import type { Flavor } from "../model/gateway-request";
import { pluginsOf, type MatchedRoute } from "./router";

/** The plugin's configuration as the data plane applies it. */
export interface PrometheusConf {
  /** Label routes and services by name instead of id. @default false */
  readonly preferName: boolean;
}

/** The labels a route gives every request it counts. */
export interface RouteLabels {
  readonly route: string;
  readonly service: string;
  readonly matchedUri: string;
  readonly matchedHost: string;
}

/** The plugin for a route (route plugins override service plugins by name); undefined when off. */
export function prometheusConf(route: ConfigObject, service: ConfigObject | undefined): PrometheusConf | undefined {
  const conf = asObject(pluginsOf(route).prometheus ?? pluginsOf(service).prometheus);
  if (!conf || asObject(conf._meta)?.disable === true) return undefined;
  return { preferName: conf.prefer_name === true };
}

/** The labels of one request through `matched`. */
export function routeLabels(
  matched: MatchedRoute,
  conf: PrometheusConf,
  flavor: Flavor,
  request: { readonly path: string; readonly host: string | undefined },
): RouteLabels {
  const { route, service } = matched;
  const serviceId = matched.serviceId ?? "";
  const name = (obj: ConfigObject | undefined) => (typeof obj?.name === "string" ? obj.name : undefined);
  return {
    route: (conf.preferName ? name(route) : undefined) ?? route.id,
    service: (conf.preferName && serviceId !== "" ? name(service) : undefined) ?? serviceId,
    matchedUri: matchedUri(matched, flavor, request.path),
    matchedHost: matchedHost(matched, flavor, request.host),
  };
}
