/**
 * APISIX's PATCH semantics (core/table.lua 191-244): objects merge recursively, arrays and scalars replace the old
 * value wholesale, and a JSON `null` deletes the key. Also the sub-path patch (`PATCH /routes/1/plugins`).
 */

/** A plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Returns a new object: `patch` merged into a deep copy of `base`. Neither input is modified. */
export function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) {
    // own properties only, and defined rather than assigned: a `__proto__` key is data, never the prototype
    const old = Object.hasOwn(out, key) ? out[key] : undefined;
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value) && isPlainObject(old)) {
      setOwn(out, key, deepMerge(old, value));
    } else {
      setOwn(out, key, structuredClone(value));
    }
  }
  return out;
}

/**
 * Returns a deep copy of `base` with the field at `path` replaced by `value` (null deletes it). Every segment but
 * the last must name an existing object; otherwise the result is an error naming the sub-path.
 */
export function patchSubPath(
  base: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; error_msg: string } {
  const bad = { ok: false as const, error_msg: `invalid sub-path: /${path.join("/")}` };
  if (path.length === 0 || path.some((seg) => seg === "")) return bad;
  const out = structuredClone(base);
  let cursor: Record<string, unknown> = out;
  for (const seg of path.slice(0, -1)) {
    // own properties only: `__proto__` / `constructor` must never lead out of the object (prototype pollution)
    const next = Object.hasOwn(cursor, seg) ? cursor[seg] : undefined;
    if (!isPlainObject(next)) return bad;
    cursor = next;
  }
  const last = path[path.length - 1]!;
  if (value === null) delete cursor[last];
  else setOwn(cursor, last, structuredClone(value));
  return { ok: true, value: out };
}

/** Defines (never assigns) an own enumerable property, so a key such as `__proto__` is plain data. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A prototype-less object holding `entries` as own properties: safe for keys chosen by users (ids). */
export function ownRecord<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  for (const [key, value] of entries) setOwn(out, key, value);
  return out;
}

/** Freezes a JSON value and everything inside it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}
