/**
 * What a refresh stores for a drifted object: the live values of the fields the stack owns, in the declared shape.
 * The set of owned fields and their comparison are `diffObject`'s (the read-after-write check and `bluegreen drift`);
 * this only copies the live side of them, so that the next plan shows an update back to the declaration.
 */
import type { StoredObject } from "../../client/envelopes";
import { SERVER_FIELDS } from "../../client/diff-object";

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

/** The live object without the fields the gateway sets itself (`id`, `create_time`, `update_time`): an import's body. */
export function withoutServerFields(live: StoredObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(live).filter(([key]) => !SERVER_FIELDS.has(key)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
