/** The public constructs, for `lib/index.ts` to re-export (`export * from "./constructs"`). */
export { GatewayConnection } from "./gateway-connection";
export type { GatewayConnectionProps, GatewayTlsProps, IGatewayObject } from "./gateway-connection";
export { BlueGreenService } from "./blue-green-service";
export type {
  BlueGreenServiceProps,
  BlueGreenUpstreamProps,
  BlueGreenNodeProps,
  BlueGreenPreviewProps,
  BlueGreenHealthCheckProps,
  BlueGreenReleaseProps,
  BlueGreenReleaseCheckProps,
  BlueGreenReleaseAnalysisProps,
} from "./blue-green-service";
export type { AdoptProps } from "./gateway-object";
export { BlueGreenRoute } from "./blue-green-route";
export type { BlueGreenRouteProps } from "./blue-green-route";
export { BluegreenObject, type BluegreenObjectConfig, BluegreenProvider } from "./provider-resource";
