/**
 * The one comparison of a declared object (the `body` we PUT) with what the gateway stores: used by the hook's
 * read-after-write check (`firstDifference` in object-sync) and by `bluegreen drift` (every difference).
 *
 * Only fields we own are compared: every field of the declared body must be present and equal on the gateway;
 * fields the gateway adds (API7 EE defaults, ...) are ignored, and so are top-level `id`, `create_time` and
 * `update_time`. Arrays must match element by element and in length.
 */
import type { StoredObject } from "./envelopes";

/** Fields the gateway sets itself; never compared. */
export const SERVER_FIELDS: ReadonlySet<string> = new Set(["id", "create_time", "update_time"]);

/** How one declared field differs from the gateway's value. */
export type FieldDifferenceKind =
  /** The gateway does not store the field at all. */
  | "absent"
  /** Both are arrays but their lengths differ; elements are not compared further. */
  | "length"
  /** Different value (or different type). */
  | "value";

/** One field whose live value is not the declared one. */
export interface FieldDifference {
  /** Path of the field, e.g. `plugins.traffic-split.rules[2].weighted_upstreams[0].weight`. */
  readonly field: string;
  readonly kind: FieldDifferenceKind;
  /** The value in the stack (what the hook writes). */
  readonly declared: unknown;
  /** The value on the gateway; absent when `kind` is `absent`. */
  readonly live?: unknown;
}

/**
 * Every owned field of `declared` that `live` does not store as declared, depth-first in the declared key order
 * (so the first element is what the read-after-write check reports). Empty when they match.
 */
export function diffObject(declared: Record<string, unknown>, live: StoredObject): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const [key, value] of Object.entries(declared)) {
    if (SERVER_FIELDS.has(key)) continue;
    collect(value, live[key], key in live, formatKey("", key), out);
  }
  return out;
}

function collect(declared: unknown, live: unknown, present: boolean, field: string, out: FieldDifference[]): void {
  if (declared === undefined) return; // JSON.stringify drops it; nothing is written
  if (!present) {
    out.push({ field, kind: "absent", declared });
    return;
  }
  if (Array.isArray(declared)) {
    if (!Array.isArray(live)) {
      out.push({ field, kind: "value", declared, live });
    } else if (live.length !== declared.length) {
      out.push({ field, kind: "length", declared, live });
    } else {
      for (let i = 0; i < declared.length; i++) collect(declared[i], live[i], true, `${field}[${i}]`, out);
    }
    return;
  }
  if (declared !== null && typeof declared === "object") {
    if (live === null || typeof live !== "object" || Array.isArray(live)) {
      out.push({ field, kind: "value", declared, live });
      return;
    }
    const act = live as Record<string, unknown>;
    for (const [key, value] of Object.entries(declared as Record<string, unknown>)) {
      collect(value, act[key], key in act, formatKey(field, key), out);
    }
    return;
  }
  if (!Object.is(declared, live) && declared !== live) out.push({ field, kind: "value", declared, live });
}

/** `parent.key`, quoting keys that are not plain identifiers: `labels."a.b"`. */
function formatKey(parent: string, key: string): string {
  const part = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return parent ? `${parent}.${part}` : part;
}

/** A value as compact JSON for a message, cut at `max` characters. */
export function showValue(value: unknown, max = 120): string {
  const text = value === undefined ? "undefined" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
