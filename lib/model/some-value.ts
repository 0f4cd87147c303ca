/** Searches a JSON-like value. Pure: no cdktf imports, so the constructs and the engines can share it. */

/** Whether `test` holds for `value` or for any value nested in it (array items, object property values), depth first. */
export function someValue(value: unknown, test: (v: unknown) => boolean): boolean {
  if (test(value)) return true;
  if (Array.isArray(value)) return value.some((v) => someValue(v, test));
  if (value !== null && typeof value === "object") return Object.values(value).some((v) => someValue(v, test));
  return false;
}
