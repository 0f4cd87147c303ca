/**
 * Terraform-free drift detection: how one declared object, or one owner's set of objects, differs from the gateway.
 * Read-only (GET and list calls); restricted to the fields we own, compared exactly as the hook's read-after-write
 * check compares them (`diffObject`).
 */
import type { AdminClient, ListedObject, StoredObject } from "./admin-client";
import { diffObject, type FieldDifference, showValue } from "./diff-object";
import { isManaged, labelsOf, undeclaredObjects } from "./object-sync";

export { diffObject, type FieldDifference, type FieldDifferenceKind } from "./diff-object";

/** One declared object to check. */
export interface DeclaredObject {
  /** Admin API path with query, e.g. `/apisix/admin/services/s1?gateway_group_id=default`. */
  readonly path: string;
  /** The body the hook PUTs. */
  readonly body: Record<string, unknown>;
  readonly constructPath?: string;
}

/** The state of one declared object on the gateway. */
export type ObjectDrift =
  /** Every owned field is stored as declared. */
  | { readonly status: "in-sync" }
  /** The gateway answered 404. */
  | { readonly status: "missing" }
  /** Exists, but without our managed-by label: someone replaced it; the hook refuses to overwrite it (unless adopt). */
  | { readonly status: "unmanaged"; readonly labels: Record<string, unknown>; readonly differences: FieldDifference[] }
  /** Ours, but some owned fields differ. */
  | { readonly status: "changed"; readonly differences: FieldDifference[] };

/** GETs one declared object and compares it with its declared body. */
export async function checkObjectDrift(client: AdminClient, object: DeclaredObject): Promise<ObjectDrift> {
  const live = await client.get(object.path, { constructPath: object.constructPath });
  return classify(object.body, live);
}

/** The drift of a declared body against the live object (`undefined` when the gateway has none). */
export function classify(declared: Record<string, unknown>, live: StoredObject | undefined): ObjectDrift {
  if (live === undefined) return { status: "missing" };
  const differences = diffObject(declared, live);
  if (!isManaged(live)) return { status: "unmanaged", labels: labelsOf(live) ?? {}, differences };
  return differences.length > 0 ? { status: "changed", differences } : { status: "in-sync" };
}

/** One owner's declared set (the sweep's input). */
export interface DeclaredOwner {
  /** Value of the `bluegreen-owner` label. */
  readonly owner: string;
  /** Paths (with query) of every object the owner declares. */
  readonly keep: readonly string[];
  /** The sweep's `legacyOwner` (the bare stack id a defaulted owner replaced). */
  readonly legacyOwner?: string;
  readonly constructPath?: string;
}

/**
 * Objects on the gateway labelled with our managed-by label and `owner` that the owner does not declare: exactly
 * what the sweep deletes on the next deploy that changes the set of declared objects.
 */
export function findExtraObjects(client: AdminClient, owner: DeclaredOwner): Promise<ListedObject[]> {
  return undeclaredObjects(client, owner);
}

/**
 * One difference for a human, gateway value first:
 * `plugins.traffic-split.rules[2].weighted_upstreams[0].weight: gateway 30, stack 0`.
 */
export function describeDifference(d: FieldDifference, maxValueLength = 200): string {
  const show = (v: unknown) => showValue(v, maxValueLength);
  switch (d.kind) {
    case "absent":
      return `${d.field}: gateway (not set), stack ${show(d.declared)}`;
    case "length":
      return (
        `${d.field}: gateway ${itemCount(d.live)} ${show(d.live)}, ` +
        `stack ${itemCount(d.declared)} ${show(d.declared)}`
      );
    case "value":
      return `${d.field}: gateway ${show(d.live)}, stack ${show(d.declared)}`;
  }
}

function itemCount(value: unknown): string {
  const n = Array.isArray(value) ? value.length : 0;
  return `${n} item${n === 1 ? "" : "s"}`;
}
