/**
 * What a provider served by this package is, in plain TypeScript: its schema, its resource types and their
 * handlers. The protocol layer (serve-provider.ts) turns Terraform's tfplugin6 calls into calls of these handlers
 * and does the plan semantics a Go SDK would give for free (destroy, computed attributes, requires-replace,
 * private state pass-through), so a resource type only says what is specific to it.
 */

/** A cty type as Terraform writes it in JSON: "string", ["list","string"], ["object",{...}]. */
export type CtyType =
  | "string"
  | "number"
  | "bool"
  | "dynamic"
  | readonly ["list" | "set" | "map", CtyType]
  | readonly ["object", { readonly [name: string]: CtyType }];

export interface AttributeDefinition {
  readonly type: CtyType;
  readonly description: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  /** A change to this attribute replaces the resource (planned as requires_replace). */
  readonly forceNew?: boolean;
}

export interface BlockDefinition {
  readonly version: number;
  readonly description: string;
  readonly attributes: { readonly [name: string]: AttributeDefinition };
}

/**
 * Values known only after apply. A registered symbol, so that two copies of this module (a bundle and the
 * compiled library) agree on it.
 */
export const UNKNOWN: unique symbol = Symbol.for("cdktf-apisix-bluegreen.provider.unknown");

export type TfValue =
  | null
  | string
  | number
  | boolean
  | typeof UNKNOWN
  | readonly TfValue[]
  | { readonly [k: string]: TfValue };

export type ObjectValue = { readonly [attribute: string]: TfValue };

export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  /** Attribute path steps (names; numbers for list indexes). */
  readonly attribute?: readonly (string | number)[];
}

export interface HandlerContext {
  readonly signal: AbortSignal;
  /** provider config after ConfigureProvider */
  readonly providerConfig: ObjectValue | null;
}

export interface PlanRequest {
  readonly prior: ObjectValue | null;
  readonly proposed: ObjectValue;
  readonly config: ObjectValue;
  readonly priorPrivate?: Uint8Array;
}

export interface PlanResult {
  readonly planned: ObjectValue;
  readonly requiresReplace?: readonly (readonly (string | number)[])[];
  readonly plannedPrivate?: Uint8Array;
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ApplyRequest {
  readonly prior: ObjectValue | null;
  readonly planned: ObjectValue | null;
  readonly config: ObjectValue | null;
  readonly plannedPrivate?: Uint8Array;
}

export interface StateResult {
  readonly state: ObjectValue | null;
  readonly private?: Uint8Array;
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ResourceTypeDefinition {
  /** Full type name, e.g. "bluegreen_service". */
  readonly name: string;
  readonly schema: BlockDefinition;
  validate?(config: ObjectValue): readonly Diagnostic[];
  /** Optional: the layer's default plan (above) is used when absent; when present it receives the proposed state
   *  after the default semantics and may adjust it (e.g. mark attributes unknown). Not called for destroy. */
  plan?(request: PlanRequest, context: HandlerContext): PlanResult | Promise<PlanResult>;
  /** Create (prior null), update, or delete (planned null). */
  apply(request: ApplyRequest, context: HandlerContext): Promise<StateResult>;
  /** Refresh: the object as it is now (null when it is gone). */
  read(current: ObjectValue, context: HandlerContext & { readonly private?: Uint8Array }): Promise<StateResult>;
  /** `terraform import` / `import {}`: the state of the object with this id (state must not be null). */
  importState(id: string, context: HandlerContext): Promise<StateResult>;
}

export interface ProviderDefinition {
  /** The provider type name, e.g. "bluegreen". */
  readonly name: string;
  readonly providerSchema: BlockDefinition;
  configure?(config: ObjectValue): readonly Diagnostic[] | Promise<readonly Diagnostic[]>;
  readonly resources: readonly ResourceTypeDefinition[];
}
