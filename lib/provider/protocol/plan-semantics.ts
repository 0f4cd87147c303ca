/**
 * The plan a Go SDK would give a resource for free, done once here so resource types stay simple: a destroy plans
 * null; a computed attribute the configuration leaves null is unknown on create and keeps its prior value on
 * update; a changed `forceNew` attribute requires replacement, which makes those computed attributes unknown again.
 */
import {
  type BlockDefinition,
  type ObjectValue,
  type TfValue,
  UNKNOWN,
} from "./provider-definition";

export interface DefaultPlan {
  readonly planned: ObjectValue;
  readonly requiresReplace: readonly (readonly string[])[];
}

export function defaultPlan(
  schema: BlockDefinition,
  prior: ObjectValue | null,
  proposed: ObjectValue,
  config: ObjectValue,
): DefaultPlan {
  const attributes = Object.entries(schema.attributes);
  const requiresReplace =
    prior === null
      ? []
      : attributes
          .filter(([name, attribute]) => attribute.forceNew === true && !sameValue(prior[name], proposed[name]))
          .map(([name]) => [name]);
  const fresh = prior === null || requiresReplace.length > 0;
  const planned: Record<string, TfValue> = {};
  for (const [name, attribute] of attributes) {
    const configured = config[name] ?? null;
    if (attribute.computed === true && configured === null) {
      planned[name] = fresh ? UNKNOWN : (prior[name] ?? null);
    } else {
      planned[name] = proposed[name] ?? null;
    }
  }
  return { planned, requiresReplace };
}

/** Deep equality of two values (unknown equals only unknown; object key order does not matter). */
export function sameValue(a: TfValue | undefined, b: TfValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (a === null || b === null || a === UNKNOWN || b === UNKNOWN) return false;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element: TfValue, i: number) => sameValue(element, (b as readonly TfValue[])[i]));
  }
  const left = a as { readonly [k: string]: TfValue };
  const right = b as { readonly [k: string]: TfValue };
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) if (!sameValue(left[key], right[key])) return false;
  return true;
}
