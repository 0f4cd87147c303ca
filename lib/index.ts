/** Public entry point: re-exports only. */
export * from "./constructs";
export { startGateway } from "./gateway";
export type { GatewayOptions, RunningGateway } from "./gateway";
export { AdminClient } from "./client/admin-client";
export type { AdminClientOptions, ListedObject, PutResult } from "./client/admin-client";
export type { StoredObject } from "./client/envelopes";
export type { AdminTlsOptions, RequestContext, RetryEvent, TransportOptions } from "./client/transport";
export type { AdminResource } from "./model/admin-paths";
export { BluegreenError } from "./bluegreen-error";
export { AdminApiError } from "./client/errors";
export type { AdminApiErrorDetails, AdminApiErrorKind } from "./client/errors";
export { applyObject, deleteObject, sweep } from "./client/object-sync";
export type {
  ApplyObjectRequest,
  ApplyObjectResult,
  DeleteObjectRequest,
  DeleteObjectResult,
  DeleteOutcome,
  HeldService,
  ServiceHolder,
  SweepObjectsRequest,
  SweepResult,
  SweptObject,
} from "./client/object-sync";
export { buildServiceRequests, buildRouteRequest, colorWeights } from "./model/blue-green";
export type { AdminRequest, BuildOptions, GatewayPlacement, RouteSpec, ServiceRequests, ServiceSpec } from "./model/blue-green";
export type {
  BlueGreenServiceOptions,
  Color,
  HealthCheckSpec,
  NodeSpec,
  PreviewSpec,
  ReleaseAnalysisSpec,
  ReleaseCheckSpec,
  ReleaseSpec,
  RouteMatch,
  UpstreamSpec,
} from "./model/specs";
export type { UpstreamHashAppender } from "./model/upstream-ids";
export { flavorSchema, gatewayRequestSchema, objectRequestSchema, sweepRequestSchema, teardownRequestSchema } from "./model/gateway-request";
export { hookCommand } from "./model/hook-command";
export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, OWNER_LABEL } from "./model/gateway-request";
export type { Flavor, GatewayRequest, ObjectRequest, SweepRequest, TeardownRequest } from "./model/gateway-request";
export { checkObject, routeSchema, serviceSchema, upstreamSchema, trafficSplitSchema, eeRouteSchema, eeServiceSchema } from "./schemas";
export type { CheckResult } from "./schemas";
