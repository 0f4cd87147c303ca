/** Zod schemas mirroring APISIX's `schema_def.lua`, the traffic-split plugin and API7 EE bodies, plus `checkObject`. */
export {
  idSchema,
  nameSchema,
  descSchema,
  labelsSchema,
  hostSchema,
  methodSchema,
  timeoutSchema,
  HTTP_METHODS,
  uniqueArray,
  firstDuplicate,
  pluginConfSchema,
} from "./common";
export type { Id, Name, Desc, Labels, Host, Method, Timeout } from "./common";
export {
  upstreamNodeSchema,
  upstreamNodesSchema,
  upstreamSchema,
  upstreamTlsSchema,
  keepalivePoolSchema,
  checksSchema,
  UPSTREAM_SCHEMES,
} from "./upstream";
export type { UpstreamNode, UpstreamNodes, Upstream } from "./upstream";
export { trafficSplitSchema, trafficSplitRuleSchema, trafficSplitMatchSchema, weightedUpstreamSchema } from "./traffic-split";
export type { TrafficSplit, TrafficSplitRule, WeightedUpstream } from "./traffic-split";
export { pluginsSchema, KNOWN_PLUGINS } from "./plugins";
export type { Plugins } from "./plugins";
export { routeSchema, routeShape, remoteAddrSchema } from "./route";
export type { Route } from "./route";
export { serviceSchema } from "./service";
export type { Service } from "./service";
export { eeRouteSchema, eeServiceSchema, eePathSchema } from "./ee";
export type { EeRoute, EeService } from "./ee";
export { formatZodIssue, formatZodError, apisixPathPrefix, jsonTypeName } from "./format-issue";
export { checkUpstreamConf } from "./upstream-check";
export { prometheusPluginSchema } from "./prometheus";
export type { PrometheusPlugin } from "./prometheus";
export { checkPlugins, checkTrafficSplit, checkPrometheusPlugin, checkVars } from "./check-plugins";
export { checkObject } from "./check-object";
export type { CheckResult } from "./check-object";
export type { Flavor } from "../model/gateway-request";
