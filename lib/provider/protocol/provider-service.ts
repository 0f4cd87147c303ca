/**
 * The tfplugin6.Provider service: each RPC Terraform calls, decoded, dispatched to a `ProviderDefinition` and
 * encoded back. A handler that throws becomes an error diagnostic, never a crash. Plan semantics live in
 * plan-semantics.ts, the value codec in dynamic-value.ts.
 *
 * Most calls of a plan are about resources that did not change: a proposed state equal to the prior state, a refresh
 * that reads the object back unchanged, a state this schema version wrote. Those give Terraform back the bytes it sent,
 * with nothing decoded or encoded again (what such a call still costs is mostly grpc-js and http2).
 */
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import { attributePath, diagnosticMessage, errorDiagnostic, hasErrors } from "./diagnostics";
import { decodeJsonObject, decodeObject, encodeDynamicValue } from "./dynamic-value";
import { defaultPlan } from "./plan-semantics";
import type {
  CtyType,
  Diagnostic,
  HandlerContext,
  ObjectValue,
  ProviderDefinition,
  ResourceTypeDefinition,
  TfValue,
} from "./provider-definition";
import { UNKNOWN } from "./provider-definition";
import { objectType, schemaMessage } from "./provider-schema";
import type { ProviderRpc } from "./wire-messages";
import type { WireMessage } from "./wire-services";

type Rpc = (request: WireMessage) => WireMessage | Promise<WireMessage>;

/** A private state given to Terraform as bytes (empty when there is none). */
const bytesOrEmpty = (value: Uint8Array | undefined | null) => value ?? new Uint8Array(0);
/** Private state from Terraform (undefined when empty). */
const privateOf = (value: Uint8Array | undefined | null) => (value && value.length > 0 ? value : undefined);

/** Whether two msgpack values are present and the same bytes. */
function sameBytes(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  return a !== null && a !== undefined && a.length > 0 && b !== null && b !== undefined && Buffer.compare(a, b) === 0;
}

/** Whether a raw state's JSON is an object with exactly the attributes of the object type `type`. */
function hasExactlyAttributes(json: Uint8Array, type: CtyType): boolean {
  if (typeof type === "string" || type[0] !== "object") return false;
  const names = Object.keys(type[1]);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(json).toString("utf8"));
  } catch {
    return false;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return false;
  const keys = Object.keys(raw);
  return keys.length === names.length && names.every((name) => Object.prototype.hasOwnProperty.call(raw, name));
}

export interface ProviderService {
  readonly implementation: UntypedServiceImplementation;
  /** Aborted by StopProvider (and by the process on SIGTERM): in-flight handlers see it through their context. */
  readonly stopSignal: AbortSignal;
}

export function createProviderService(definition: ProviderDefinition): ProviderService {
  const stop = new AbortController();
  let providerConfig: ObjectValue | null = null;
  const resources = new Map<string, { definition: ResourceTypeDefinition; type: CtyType }>(
    definition.resources.map((resource) => [resource.name, { definition: resource, type: objectType(resource.schema) }]),
  );
  const providerType = objectType(definition.providerSchema);
  const context = (): HandlerContext => ({ signal: stop.signal, providerConfig });

  function resource(typeName: string): { definition: ResourceTypeDefinition; type: CtyType } {
    const found = resources.get(typeName);
    if (!found) {
      throw new Error(
        `provider "${definition.name}" has no resource type "${typeName}" (it has: ${[...resources.keys()].join(", ") || "none"})`,
      );
    }
    return found;
  }

  const diagnostics = (list: readonly Diagnostic[] | undefined) => (list ?? []).map(diagnosticMessage);

  const rpcs: Record<ProviderRpc, Rpc> = {
    GetMetadata: () => ({
      server_capabilities: { get_provider_schema_optional: true },
      resources: [...resources.keys()].map((type_name) => ({ type_name })),
    }),

    GetProviderSchema: () => ({
      provider: schemaMessage(definition.providerSchema),
      resource_schemas: Object.fromEntries([...resources].map(([name, entry]) => [name, schemaMessage(entry.definition.schema)])),
      server_capabilities: { get_provider_schema_optional: true },
    }),

    ValidateProviderConfig: () => ({}),

    ValidateResourceConfig: (request) => {
      const { definition: resourceType, type } = resource(request.type_name);
      const config = decodeObject(request.config, type);
      return { diagnostics: diagnostics(config && resourceType.validate ? resourceType.validate(config) : []) };
    },

    ValidateDataResourceConfig: (request) => ({ diagnostics: [noDataSource(definition, request.type_name)] }),

    UpgradeResourceState: (request) => {
      const { definition: resourceType, type } = resource(request.type_name);
      const raw: WireMessage | null = request.raw_state;
      if (!raw?.json || raw.json.length === 0) {
        throw new Error(`state of a ${request.type_name} has no JSON (a flatmap state from Terraform 0.11 cannot be upgraded)`);
      }
      // a state this schema version wrote, with exactly its attributes, goes back as the JSON it is: Terraform reads
      // a DynamicValue's JSON as it reads msgpack, and nothing is decoded and encoded again
      if (Number(request.version) === resourceType.schema.version && hasExactlyAttributes(raw.json, type)) {
        return { upgraded_state: { json: raw.json } };
      }
      return { upgraded_state: encodeDynamicValue(decodeJsonObject(raw.json, type), type) };
    },

    ConfigureProvider: async (request) => {
      const config = decodeObject(request.config, providerType) ?? {};
      const result = definition.configure ? await definition.configure(config) : [];
      if (!hasErrors(result)) providerConfig = config;
      return { diagnostics: diagnostics(result) };
    },

    ReadResource: async (request) => {
      const { definition: resourceType, type } = resource(request.type_name);
      const current = decodeObject(request.current_state, type);
      const priorPrivate = privateOf(request.private);
      if (current === null) return { new_state: encodeDynamicValue(null, type), private: bytesOrEmpty(priorPrivate) };
      const result = await resourceType.read(current, { ...context(), ...(priorPrivate ? { private: priorPrivate } : {}) });
      return {
        // unchanged (the same object back): the bytes Terraform sent, not encoded again
        new_state: result.state === current ? request.current_state : encodeDynamicValue(result.state, type),
        private: bytesOrEmpty(result.private ?? priorPrivate),
        diagnostics: diagnostics(result.diagnostics),
      };
    },

    PlanResourceChange: async (request) => {
      const { definition: resourceType, type } = resource(request.type_name);
      const priorPrivate = privateOf(request.prior_private);
      // no change (the proposed state is the prior state, byte for byte: most resources of a plan): the plan is the
      // prior state, without decoding three values and encoding one
      if (sameBytes(request.prior_state?.msgpack, request.proposed_new_state?.msgpack)) {
        return { planned_state: request.proposed_new_state, planned_private: bytesOrEmpty(priorPrivate) };
      }
      const prior = decodeObject(request.prior_state, type);
      const proposed = decodeObject(request.proposed_new_state, type);
      const config = decodeObject(request.config, type);
      if (proposed === null || config === null) {
        return { planned_state: encodeDynamicValue(null, type), planned_private: bytesOrEmpty(priorPrivate) };
      }
      const base = defaultPlan(resourceType.schema, prior, proposed, config);
      if (!resourceType.plan) {
        return {
          planned_state: encodeDynamicValue(base.planned, type),
          requires_replace: base.requiresReplace.map(attributePath),
          planned_private: bytesOrEmpty(priorPrivate),
        };
      }
      const result = await resourceType.plan(
        { prior, proposed: base.planned, config, ...(priorPrivate ? { priorPrivate } : {}) },
        context(),
      );
      const replace = new Map<string, readonly (string | number)[]>();
      for (const path of [...base.requiresReplace, ...(result.requiresReplace ?? [])]) replace.set(JSON.stringify(path), path);
      return {
        planned_state: encodeDynamicValue(result.planned, type),
        requires_replace: [...replace.values()].map(attributePath),
        planned_private: bytesOrEmpty(result.plannedPrivate ?? priorPrivate),
        diagnostics: diagnostics(result.diagnostics),
      };
    },

    ApplyResourceChange: async (request) => {
      const { definition: resourceType, type } = resource(request.type_name);
      const plannedPrivate = privateOf(request.planned_private);
      const planned = decodeObject(request.planned_state, type);
      const result = await resourceType.apply(
        {
          prior: decodeObject(request.prior_state, type),
          planned,
          config: decodeObject(request.config, type),
          ...(plannedPrivate ? { plannedPrivate } : {}),
        },
        context(),
      );
      const state = planned === null && !hasErrors(result.diagnostics) ? null : result.state;
      const unknown = state ? unknownAttributes(state) : [];
      return {
        new_state: encodeDynamicValue(state, type),
        private: bytesOrEmpty(result.private ?? plannedPrivate),
        diagnostics: [
          ...diagnostics(result.diagnostics),
          ...unknown.map((name) =>
            diagnosticMessage({
              severity: "error",
              summary: `${request.type_name}: attribute "${name}" is still unknown after apply`,
              detail: `The provider "${definition.name}" must set every attribute when it applies a change.`,
              attribute: [name],
            }),
          ),
        ],
      };
    },

    ImportResourceState: async (request) => {
      const { definition: resourceType, type } = resource(request.type_name);
      const result = await resourceType.importState(request.id, context());
      if (result.state === null) {
        return {
          diagnostics: [
            ...diagnostics(result.diagnostics),
            diagnosticMessage({
              severity: "error",
              summary: `Cannot import non-existent remote object: no ${request.type_name} with id "${request.id}"`,
            }),
          ],
        };
      }
      return {
        imported_resources: [
          { type_name: request.type_name, state: encodeDynamicValue(result.state, type), private: bytesOrEmpty(result.private) },
        ],
        diagnostics: diagnostics(result.diagnostics),
      };
    },

    MoveResourceState: (request) => ({
      diagnostics: [
        diagnosticMessage({
          severity: "error",
          summary: `provider "${definition.name}" cannot move resource state`,
          detail: `Moving a ${request.source_type_name} from ${request.source_provider_address} to ${request.target_type_name} is not supported; remove the moved block and import the object instead.`,
        }),
      ],
    }),

    ReadDataSource: (request) => ({ diagnostics: [noDataSource(definition, request.type_name)] }),
    ValidateEphemeralResourceConfig: (request) => ({ diagnostics: [noEphemeralResource(definition, request.type_name)] }),
    OpenEphemeralResource: (request) => ({ diagnostics: [noEphemeralResource(definition, request.type_name)] }),
    RenewEphemeralResource: (request) => ({ diagnostics: [noEphemeralResource(definition, request.type_name)] }),
    CloseEphemeralResource: (request) => ({ diagnostics: [noEphemeralResource(definition, request.type_name)] }),
    GetFunctions: () => ({ functions: {} }),

    StopProvider: () => {
      stop.abort(new Error("Terraform asked the provider to stop (StopProvider)"));
      return {};
    },
  };

  const implementation: UntypedServiceImplementation = Object.fromEntries(
    Object.entries(rpcs).map(([name, rpc]) => [
      name,
      (call: ServerUnaryCall<WireMessage, WireMessage>, callback: sendUnaryData<WireMessage>) => {
        Promise.resolve()
          .then(() => rpc(call.request))
          .then(
            (response) => callback(null, response),
            (error: unknown) => {
              const where = call.request?.type_name ? `${name} of a ${call.request.type_name}` : name;
              callback(null, name === "StopProvider" ? { Error: String(error) } : {
                diagnostics: [diagnosticMessage(errorDiagnostic(error, TF_LOG() ? `in ${where}` : undefined))],
              });
            },
          );
      },
    ]),
  );
  return { implementation, stopSignal: stop.signal };
}

const TF_LOG = () => Boolean(process.env.TF_LOG);

function noDataSource(definition: ProviderDefinition, typeName: string): WireMessage {
  return diagnosticMessage({ severity: "error", summary: `provider "${definition.name}" has no data source "${typeName}"` });
}

function noEphemeralResource(definition: ProviderDefinition, typeName: string): WireMessage {
  return diagnosticMessage({
    severity: "error",
    summary: `provider "${definition.name}" has no ephemeral resource "${typeName}"`,
  });
}

function unknownAttributes(state: ObjectValue): string[] {
  const contains = (value: TfValue): boolean =>
    value === UNKNOWN ||
    (typeof value === "object" && value !== null && Object.values(value as Record<string, TfValue>).some(contains));
  return Object.entries(state).filter(([, value]) => contains(value)).map(([name]) => name);
}
