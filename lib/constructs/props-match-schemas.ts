/**
 * Compile-time proof that the documented props interfaces and the zod schemas that validate them accept the same
 * values: adding, removing or retyping a prop on one side only fails `tsc` here, naming the interface. Construct
 * references (`gateway`, `service`) are checked by brand, not by the schemas, so they are left out. Nothing runs.
 */
import type { z } from "zod";
import type {
  blueGreenRoutePropsSchema,
  blueGreenServicePropsSchema,
  gatewayConnectionPropsSchema,
  healthCheckPropsSchema,
  previewPropsSchema,
  upstreamNodePropSchema,
  upstreamPropsSchema,
} from "../model/props-schemas";
import type { releaseAnalysisPropsSchema, releaseCheckPropsSchema, releasePropsSchema } from "../release/release-input";
import type { BlueGreenRouteProps } from "./blue-green-route";
import type {
  BlueGreenHealthCheckProps,
  BlueGreenNodeProps,
  BlueGreenPreviewProps,
  BlueGreenReleaseAnalysisProps,
  BlueGreenReleaseCheckProps,
  BlueGreenReleaseProps,
  BlueGreenServiceProps,
  BlueGreenUpstreamProps,
} from "./blue-green-service";
import type { GatewayConnectionProps, GatewayTlsProps } from "./gateway-connection";

/** `T` with every property and array readonly, at every level: interfaces are readonly, zod's inputs are not. */
type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** `true` when `A` and `B` are the same type (mutual assignability is not enough: `any` and optionality count). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Whether the props interface `P` accepts exactly the values of `Input`, a schema's `z.input`. */
type Matches<P, Input> = Equals<DeepReadonly<P>, DeepReadonly<Input>>;

/** Compiles only when `T` is `true`. */
type Assert<T extends true> = T;

type ConnectionInput = z.input<typeof gatewayConnectionPropsSchema>;

type PropsMatchSchemas = [
  Assert<Matches<GatewayConnectionProps, ConnectionInput>>,
  Assert<Matches<GatewayTlsProps, NonNullable<ConnectionInput["tls"]>>>,
  Assert<Matches<Omit<BlueGreenServiceProps, "gateway">, z.input<typeof blueGreenServicePropsSchema>>>,
  Assert<Matches<BlueGreenUpstreamProps, z.input<typeof upstreamPropsSchema>>>,
  Assert<Matches<BlueGreenNodeProps, z.input<typeof upstreamNodePropSchema>>>,
  Assert<Matches<BlueGreenPreviewProps, z.input<typeof previewPropsSchema>>>,
  Assert<Matches<BlueGreenHealthCheckProps, z.input<typeof healthCheckPropsSchema>>>,
  Assert<Matches<BlueGreenReleaseProps, z.input<typeof releasePropsSchema>>>,
  Assert<Matches<BlueGreenReleaseCheckProps, z.input<typeof releaseCheckPropsSchema>>>,
  Assert<Matches<BlueGreenReleaseAnalysisProps, z.input<typeof releaseAnalysisPropsSchema>>>,
  Assert<Matches<Omit<BlueGreenRouteProps, "service">, z.input<ReturnType<typeof blueGreenRoutePropsSchema>>>>,
];
