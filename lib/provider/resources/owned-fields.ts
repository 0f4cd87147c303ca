/**
 * What a refresh stores for a drifted object: the live values of the fields the stack owns, in the declared shape.
 * The set of owned fields and their comparison are `diffObject`'s (the read-after-write check and `bluegreen drift`);
 * this only copies the live side of them, so that the next plan shows an update back to the declaration.
 */
import type { StoredObject } from "../../client/envelopes";
import { SERVER_FIELDS } from "../../client/diff-object";
import type { AdminResource } from "../../model/admin-paths";
import { MANAGED_BY_LABEL, OWNER_LABEL } from "../../model/gateway-request";

/**
 * `live` restricted to the keys of `declared`, recursively: a key the gateway does not store is left out, arrays of
 * another length (or values of another type) are taken whole from `live`.
 */
export function liveOwnedFields(declared: Record<string, unknown>, live: StoredObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(declared)) {
    if (SERVER_FIELDS.has(key) || value === undefined || !(key in live)) continue;
    out[key] = project(value, live[key]);
  }
  return out;
}

function project(declared: unknown, live: unknown): unknown {
  if (Array.isArray(declared)) {
    if (!Array.isArray(live) || live.length !== declared.length) return live;
    return declared.map((d, i) => project(d, live[i]));
  }
  if (isRecord(declared)) {
    if (!isRecord(live)) return live;
    return liveOwnedFields(declared, live);
  }
  return live;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Which fields of an object this package may own, by kind: what lib/model/blue-green.ts writes for it (both
 * flavours, every option). `true`: the whole value; an object: only those keys (arrays: per element).
 */
type Shape = true | { readonly [key: string]: Shape };

const LABELS: Shape = { [MANAGED_BY_LABEL]: true, [OWNER_LABEL]: true };
const NODE: Shape = { host: true, port: true, weight: true };
/** An upstream's own fields (standalone on APISIX, inline in API7 EE services and traffic-split entries). */
const UPSTREAM_FIELDS = { type: true, scheme: true, pass_host: true, upstream_host: true, nodes: NODE, timeout: true, retries: true } as const;
const OWNED_SHAPES: Readonly<Record<AdminResource, Shape>> = {
  routes: { name: true, labels: LABELS, uris: true, paths: true, methods: true, hosts: true, priority: true, service_id: true },
  services: {
    name: true,
    labels: LABELS,
    hosts: true,
    upstream_id: true,
    upstream: UPSTREAM_FIELDS,
    plugins: {
      "traffic-split": { rules: { match: true, weighted_upstreams: { upstream_id: true, upstream: UPSTREAM_FIELDS, weight: true } } },
      prometheus: true,
    },
  },
  upstreams: { name: true, labels: LABELS, ...UPSTREAM_FIELDS },
};

/**
 * The body an import stores: the fields of `live` this package may own for `kind` (no declaration is known at
 * import), so that the first plan after an import shows only the owned fields that differ from the declaration,
 * not the fields the gateway adds or that the stack does not declare. The first apply stores the declared body.
 */
export function importedOwnedFields(kind: AdminResource, live: StoredObject): Record<string, unknown> {
  return shapeOf(OWNED_SHAPES[kind], live) as Record<string, unknown>;
}

function shapeOf(shape: Shape, value: unknown): unknown {
  if (shape === true) return value;
  if (Array.isArray(value)) return value.map((element) => shapeOf(shape, element));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(shape)) if (key in value) out[key] = shapeOf(inner, value[key]);
  return out;
}
