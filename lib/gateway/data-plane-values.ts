/**
 * Tolerant readers for stored objects: the data plane accepts anything the store holds and applies defaults itself.
 */

export type Obj = Readonly<Record<string, unknown>>;

/** The value as a plain object, or undefined. */
export function asObject(value: unknown): Obj | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/** A non-empty string, or undefined. Numbers (integer ids) are converted. */
export function asId(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A string, or undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** An array, or undefined. */
export function asArray(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** A finite number, or the fallback. */
export function asNumber(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** Array of strings from `many` (array) or `one` (string). */
export function stringList(many: unknown, one: unknown): string[] | undefined {
  const arr = asArray(many);
  if (arr) return arr.filter((v): v is string => typeof v === "string");
  if (typeof one === "string") return [one];
  return undefined;
}
