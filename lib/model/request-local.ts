/**
 * Where a gateway object's full request lives in the synthesized stack: a Terraform local, referenced by the
 * resource's `triggers_replace.request` as `${base64encode(jsonencode(local.<name>))}`. The hook decodes that
 * attribute; `bluegreen drift` and `bluegreen review` follow the reference back to the local.
 */

/** The `triggers_replace` key holding the encoded request. */
export const REQUEST_TRIGGER = "request";

/** The name of the local that `triggers_replace.request` encodes, or undefined when it is not such a reference. */
export function requestLocalName(trigger: unknown): string | undefined {
  if (typeof trigger !== "string") return undefined;
  return /^\$\{base64encode\(jsonencode\(local\.([A-Za-z_][A-Za-z0-9_-]*)\)\)\}$/.exec(trigger)?.[1];
}
