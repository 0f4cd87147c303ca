/**
 * The project's own definitions of the protobuf messages and services a provider process serves: tfplugin6
 * (Terraform's provider protocol 6, the 6.8 message set of Terraform 1.11), go-plugin's controller
 * (`plugin.GRPCController`) and gRPC health checking (`grpc.health.v1.Health`). Written from the protocols' field
 * numbers and types as protobufjs JSON descriptors, so nothing parses a `.proto` file at start-up and the provider
 * bundles into one file. Only the fields this package reads or writes are declared: protobuf skips unknown fields
 * when decoding, and fields never set are never sent.
 */
import type { INamespace, Root } from "protobufjs/light";

const bytes = (id: number) => ({ type: "bytes", id });
const string = (id: number) => ({ type: "string", id });
const bool = (id: number) => ({ type: "bool", id });
const int64 = (id: number) => ({ type: "int64", id });
const message = (type: string, id: number) => ({ type, id });
const repeated = (type: string, id: number) => ({ rule: "repeated", type, id });
const map = (type: string, id: number) => ({ keyType: "string", type, id });
const diagnostics = (id: number) => repeated("Diagnostic", id);
/** A message with no fields. */
const empty = { fields: {} };
/** An RPC's `Request` and `Response` messages (and the other message types they use). */
const call = (request: Record<string, unknown>, response: Record<string, unknown>, others: Record<string, unknown> = {}) => ({
  nested: { Request: { fields: request }, Response: { fields: response }, ...others },
});

const tfplugin6 = {
  nested: {
    DynamicValue: { fields: { msgpack: bytes(1), json: bytes(2) } },
    Diagnostic: {
      fields: { severity: message("Severity", 1), summary: string(2), detail: string(3), attribute: message("AttributePath", 4) },
      nested: { Severity: { values: { INVALID: 0, ERROR: 1, WARNING: 2 } } },
    },
    AttributePath: {
      fields: { steps: repeated("Step", 1) },
      nested: {
        Step: {
          oneofs: { selector: { oneof: ["attribute_name", "element_key_string", "element_key_int"] } },
          fields: { attribute_name: string(1), element_key_string: string(2), element_key_int: int64(3) },
        },
      },
    },
    RawState: { fields: { json: bytes(1), flatmap: map("string", 2) } },
    StringKind: { values: { PLAIN: 0, MARKDOWN: 1 } },
    Schema: {
      fields: { version: int64(1), block: message("Block", 2) },
      nested: {
        Block: {
          fields: {
            version: int64(1),
            attributes: repeated("Attribute", 2),
            description: string(4),
            description_kind: message("StringKind", 5),
            deprecated: bool(6),
          },
        },
        Attribute: {
          fields: {
            name: string(1),
            type: bytes(2),
            description: string(3),
            required: bool(4),
            optional: bool(5),
            computed: bool(6),
            sensitive: bool(7),
            description_kind: message("StringKind", 8),
            deprecated: bool(9),
          },
        },
      },
    },
    ServerCapabilities: { fields: { plan_destroy: bool(1), get_provider_schema_optional: bool(2), move_resource_state: bool(3) } },
    Function: empty,
    GetMetadata: call(
      {},
      { server_capabilities: message("ServerCapabilities", 1), diagnostics: diagnostics(2), resources: repeated("ResourceMetadata", 4) },
      { ResourceMetadata: { fields: { type_name: string(1) } } },
    ),
    GetProviderSchema: call({}, {
      provider: message("Schema", 1),
      resource_schemas: map("Schema", 2),
      data_source_schemas: map("Schema", 3),
      diagnostics: diagnostics(4),
      server_capabilities: message("ServerCapabilities", 6),
    }),
    ValidateProviderConfig: call({ config: message("DynamicValue", 1) }, { diagnostics: diagnostics(2) }),
    UpgradeResourceState: call(
      { type_name: string(1), version: int64(2), raw_state: message("RawState", 3) },
      { upgraded_state: message("DynamicValue", 1), diagnostics: diagnostics(2) },
    ),
    ValidateResourceConfig: call({ type_name: string(1), config: message("DynamicValue", 2) }, { diagnostics: diagnostics(1) }),
    ValidateDataResourceConfig: call({ type_name: string(1), config: message("DynamicValue", 2) }, { diagnostics: diagnostics(1) }),
    ConfigureProvider: call(
      { terraform_version: string(1), config: message("DynamicValue", 2) },
      { diagnostics: diagnostics(1) },
    ),
    ReadResource: call(
      { type_name: string(1), current_state: message("DynamicValue", 2), private: bytes(3) },
      { new_state: message("DynamicValue", 1), diagnostics: diagnostics(2), private: bytes(3) },
    ),
    PlanResourceChange: call(
      {
        type_name: string(1),
        prior_state: message("DynamicValue", 2),
        proposed_new_state: message("DynamicValue", 3),
        config: message("DynamicValue", 4),
        prior_private: bytes(5),
      },
      {
        planned_state: message("DynamicValue", 1),
        requires_replace: repeated("AttributePath", 2),
        planned_private: bytes(3),
        diagnostics: diagnostics(4),
      },
    ),
    ApplyResourceChange: call(
      {
        type_name: string(1),
        prior_state: message("DynamicValue", 2),
        planned_state: message("DynamicValue", 3),
        config: message("DynamicValue", 4),
        planned_private: bytes(5),
      },
      { new_state: message("DynamicValue", 1), private: bytes(2), diagnostics: diagnostics(3) },
    ),
    ImportResourceState: call(
      { type_name: string(1), id: string(2) },
      { imported_resources: repeated("ImportedResource", 1), diagnostics: diagnostics(2) },
      { ImportedResource: { fields: { type_name: string(1), state: message("DynamicValue", 2), private: bytes(3) } } },
    ),
    MoveResourceState: call(
      { source_provider_address: string(1), source_type_name: string(2), target_type_name: string(5) },
      { diagnostics: diagnostics(2) },
    ),
    ReadDataSource: call({ type_name: string(1), config: message("DynamicValue", 2) }, { diagnostics: diagnostics(2) }),
    ValidateEphemeralResourceConfig: call({ type_name: string(1) }, { diagnostics: diagnostics(1) }),
    OpenEphemeralResource: call({ type_name: string(1) }, { diagnostics: diagnostics(1) }),
    RenewEphemeralResource: call({ type_name: string(1) }, { diagnostics: diagnostics(1) }),
    CloseEphemeralResource: call({ type_name: string(1) }, { diagnostics: diagnostics(1) }),
    GetFunctions: call({}, { functions: map("Function", 1), diagnostics: diagnostics(2) }),
    StopProvider: call({}, { Error: string(1) }),
  },
};

/** The tfplugin6.Provider RPCs this package serves, by name; each has `<Name>.Request` and `<Name>.Response`. */
export const PROVIDER_RPCS = [
  "GetMetadata",
  "GetProviderSchema",
  "ValidateProviderConfig",
  "ValidateResourceConfig",
  "ValidateDataResourceConfig",
  "UpgradeResourceState",
  "ConfigureProvider",
  "ReadResource",
  "PlanResourceChange",
  "ApplyResourceChange",
  "ImportResourceState",
  "MoveResourceState",
  "ReadDataSource",
  "ValidateEphemeralResourceConfig",
  "OpenEphemeralResource",
  "RenewEphemeralResource",
  "CloseEphemeralResource",
  "GetFunctions",
  "StopProvider",
] as const;
export type ProviderRpc = (typeof PROVIDER_RPCS)[number];

/** The message descriptors, as protobufjs JSON. */
const WIRE_DESCRIPTORS = <INamespace>{
  nested: {
    tfplugin6,
    plugin: { nested: { Empty: empty } },
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: { fields: { service: string(1) } },
                HealthCheckResponse: {
                  fields: { status: message("ServingStatus", 1) },
                  nested: { ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } } },
                },
              },
            },
          },
        },
      },
    },
  },
};

let root: Root | undefined;
/**
 * All message types, resolved at first use by reflection (no parsing; protobufjs then compiles each type's code when
 * it is first used): for the build's static code generator and, run from the sources, for wire-codecs.ts. The
 * bundled provider uses the static code and never loads protobufjs's reflection.
 */
export function wireRoot(): Root {
  if (root === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Root: RootType } = require("protobufjs/light") as typeof import("protobufjs/light");
    root = RootType.fromJSON(WIRE_DESCRIPTORS);
    root.resolveAll();
  }
  return root;
}
