/** Public entry point: re-exports only. */
export * from "./constructs";
export { startGateway } from "./gateway";
export type { GatewayOptions, RunningGateway } from "./gateway";
export { AdminClient } from "./client/admin-client";
export type { AdminClientOptions } from "./client/admin-client";
export type { AdminTlsOptions } from "./client/transport";
export { BluegreenError } from "./bluegreen-error";
export { AdminApiError } from "./client/errors";
export { applyObject, deleteObject, sweep } from "./client/object-sync";
export { buildServiceRequests, buildRouteRequest, colorWeights } from "./model/blue-green";
export type { Color, AdminRequest, ServiceSpec, RouteSpec, UpstreamSpec, PreviewSpec, GatewayScope } from "./model/blue-green";
export { gatewayRequestSchema, MANAGED_BY_LABEL, MANAGED_BY_VALUE, OWNER_LABEL } from "./model/gateway-request";
export type { Flavor, GatewayRequest, ObjectRequest, SweepRequest, TeardownRequest } from "./model/gateway-request";
export { checkObject, routeSchema, serviceSchema, upstreamSchema, trafficSplitSchema, eeRouteSchema, eeServiceSchema } from "./schemas";
