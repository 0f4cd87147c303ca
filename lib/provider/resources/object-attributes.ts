/**
 * The attributes every bluegreen resource type shares, and the conversion between a resource's Terraform value and
 * the hook's `ObjectRequest` (lib/model/gateway-request.ts), so both engines write through the same request.
 */
import type { AttributeDefinition, ObjectValue, TfValue } from "../protocol/provider-definition";
import { UNKNOWN } from "../protocol/provider-definition";
import { gatewayTargetSchema, type GatewayTarget, objectRequestSchema, type ObjectRequest, OWNER_LABEL } from "../../model/gateway-request";
import { objectPath, type AdminResource } from "../../model/admin-paths";
import { BluegreenError } from "../../bluegreen-error";
import { PROVIDER_TYPE } from "../provider-address";

/** The Admin API collections with a resource type, in the order Terraform creates them. */
export const OBJECT_KINDS: readonly AdminResource[] = ["upstreams", "services", "routes"];

/** `bluegreen_<kind>` for an Admin API collection. */
export function resourceTypeName(kind: AdminResource): string {
  return `${PROVIDER_TYPE}_${kind.replace(/s$/, "")}`;
}

/** Attributes of every object resource; services add `active` and `traffic`, see `serviceAttributes`. */
export const OBJECT_ATTRIBUTES: { readonly [name: string]: AttributeDefinition } = {
  id: { type: "string", computed: true, description: "The Admin API id of the object (the same as object_id)." },
  object_id: {
    type: "string",
    required: true,
    forceNew: true,
    description: "The Admin API id of the object; a new id is a new object (the old one is deleted).",
  },
  gateway: {
    type: "string",
    required: true,
    description:
      "JSON of the Admin API target: admin_url, flavor (apisix or api7-ee), gateway_group_id, admin_key_env (the NAME " +
      "of the environment variable holding the admin key; the key itself is never in the configuration or state), " +
      "tls_insecure_skip_verify, tls_ca_file, request_timeout_ms, retry_budget_ms.",
  },
  owner: {
    type: "string",
    required: true,
    description: "The bluegreen-owner label of the object; only objects labelled with it are overwritten or deleted.",
  },
  legacy_owner: { type: "string", optional: true, description: "A second owner label that counts as ours (relabelled on write)." },
  adopt: {
    type: "bool",
    optional: true,
    description: "Overwrite an existing object that this library did not write, or that another owner manages.",
  },
  construct_path: { type: "string", optional: true, description: "Where the object is declared, for error messages." },
  body: { type: "string", required: true, description: "JSON of the object's fields as the stack declares them (the PUT body)." },
};

/** The service-only attributes: what a flip changes, in release terms, plus the health gate and verified release. */
export const SERVICE_ATTRIBUTES: { readonly [name: string]: AttributeDefinition } = {
  active: {
    type: "string",
    optional: true,
    computed: true,
    description: "The color that receives live traffic (blue or green); derived from body when not set.",
  },
  traffic: {
    type: ["map", "number"],
    optional: true,
    computed: true,
    description: "Percent of the requests per color (blue, green), as body's traffic-split gives them.",
  },
  health_check: { type: "string", optional: true, description: "JSON of the health gate run before the write." },
  release: { type: "string", optional: true, description: "JSON of the verified release the write runs as." },
};

/** The attributes that hold JSON text. */
export const JSON_ATTRIBUTES: readonly string[] = ["gateway", "body", "health_check", "release"];

/** A string attribute's value, or undefined when null (unknown values are refused: the caller checks first). */
export function stringOf(value: ObjectValue, name: string): string | undefined {
  const v = value[name];
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "string") throw new BluegreenError(`attribute ${name} should be a string, got ${describeValue(v)}`);
  return v;
}

/** Whether any part of `value` is unknown. */
export function isUnknown(value: TfValue | undefined): boolean {
  if (value === UNKNOWN) return true;
  if (value === null || value === undefined || typeof value !== "object") return false;
  return Object.values(value as Record<string, TfValue>).some(isUnknown);
}

function describeValue(v: TfValue): string {
  return v === UNKNOWN ? "(known after apply)" : JSON.stringify(v);
}

/** Parses a JSON attribute; the error names the attribute and the construct. */
export function parseJson(value: ObjectValue, name: string, where: string): unknown {
  const text = stringOf(value, name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BluegreenError(
      `attribute ${name} is not valid JSON (${error instanceof Error ? error.message : String(error)}); it starts with: ` +
        `${text.slice(0, 80)}${where}`,
    );
  }
}

/** ` (construct <path>)` when the value names one, else "". */
export function whereOf(value: ObjectValue): string {
  const path = typeof value.construct_path === "string" ? value.construct_path : undefined;
  return path ? ` (construct ${path})` : "";
}

/**
 * Valid gateway targets by their JSON text. Every resource of a stack carries the same text, and Terraform calls
 * the provider several times per resource in one process (validate, upgrade, read, plan): it is parsed and
 * validated once. Small: a stack has one target per GatewayConnection.
 */
const targets = new Map<string, Readonly<GatewayTarget>>();
const MAX_TARGETS = 16;

/** The `gateway` attribute, validated (the same text gives the same frozen target). */
export function gatewayOf(value: ObjectValue, name = "gateway"): GatewayTarget {
  const text = value[name];
  const known = typeof text === "string" ? targets.get(text) : undefined;
  if (known !== undefined) return known;
  const where = whereOf(value);
  const parsed = gatewayTargetSchema.safeParse(parseJson(value, name, where));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new BluegreenError(`attribute ${name} is not a valid gateway target (${issues})${where}`);
  }
  if (targets.size >= MAX_TARGETS) targets.clear();
  const target = Object.freeze(parsed.data);
  targets.set(text as string, target);
  return target;
}

/** The Admin API path of the object of `kind` with this id on `gateway`. */
export function pathOf(kind: AdminResource, id: string, gateway: GatewayTarget): string {
  return objectPath(gateway.flavor, kind, id, gateway.gateway_group_id);
}

/**
 * The hook's request for a resource value (the planned state for a write, the prior state for a delete). The owner
 * label of the body is the `owner` attribute's, so a refresh that copied another owner's label never makes a
 * delete take the object for ours.
 */
export function objectRequestOf(kind: AdminResource, value: ObjectValue, adopt: boolean): ObjectRequest {
  const where = whereOf(value);
  const gateway = gatewayOf(value);
  const objectId = stringOf(value, "object_id")!;
  const body = parseJson(value, "body", where);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new BluegreenError(`attribute body must be a JSON object, got ${JSON.stringify(body)?.slice(0, 80)}${where}`);
  }
  const owner = stringOf(value, "owner")!;
  const labels = (body as { labels?: unknown }).labels;
  const withOwner = { ...(body as Record<string, unknown>), labels: { ...(isRecord(labels) ? labels : {}), [OWNER_LABEL]: owner } };
  const request = {
    kind: "object",
    method: "PUT",
    path: pathOf(kind, objectId, gateway),
    body: withOwner,
    gateway,
    construct_path: stringOf(value, "construct_path") ?? `${kind.replace(/s$/, "")} ${objectId}`,
    adopt: adopt || value.adopt === true,
    ...(kind === "services" && value.health_check != null ? { health_check: parseJson(value, "health_check", where) } : {}),
    ...(kind === "services" && value.release != null ? { release: parseJson(value, "release", where) } : {}),
    ...(value.legacy_owner != null ? { legacy_owner: stringOf(value, "legacy_owner") } : {}),
  };
  const parsed = objectRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new BluegreenError(`invalid ${kind.replace(/s$/, "")} ${objectId}: ${issues}${where}`);
  }
  return parsed.data;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
