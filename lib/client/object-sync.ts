/**
 * Terraform-free operations on gateway objects, built on `AdminClient`: apply one object (with ownership check and
 * read-after-write verification), delete one object (only if it is ours), and sweep an owner's leftovers.
 *
 * The hook calls these once per Terraform resource; a native provider can call them from CRUD functions.
 */
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, OWNER_LABEL } from "../model/gateway-request";
import type { AdminClient, ListedObject, StoredObject } from "./admin-client";
import { AdminApiError, constructSuffix } from "./errors";
import { type AdminResource, canonicalPath } from "../model/admin-paths";
import { diffObject, type FieldDifference, showValue } from "./diff-object";

export { objectPath, canonicalPath, type AdminResource } from "../model/admin-paths";

/** Input of `applyObject`. */
export interface ApplyObjectRequest {
  /** Admin API path with query, e.g. `/apisix/admin/routes/r1`. */
  readonly path: string;
  readonly body: Record<string, unknown>;
  /**
   * Overwrite an existing object that is not labelled `managed-by: cdktf-apisix-bluegreen`, or that is labelled
   * with another `bluegreen-owner` (another stack, repository or environment).
   */
  readonly adopt?: boolean;
  /**
   * A second `bluegreen-owner` that counts as ours: the bare stack id that a defaulted owner replaced. An object
   * labelled with it is overwritten (so relabelled) without `adopt`.
   */
  readonly legacyOwner?: string;
  readonly constructPath?: string;
}

/** What `applyObject` did. */
export interface ApplyObjectResult {
  readonly path: string;
  /** 201 when created, 200 when replaced. */
  readonly status: number;
  /** True if the object existed before and was not ours (only possible with adopt). */
  readonly adopted: boolean;
  /** The legacy owner the object was labelled with before this PUT relabelled it. */
  readonly relabelledFrom?: string;
  /** API7 EE `warning_msg`, if any. */
  readonly warning?: string;
}

/**
 * PUTs one object and verifies it: GET first and refuse to overwrite an object we do not manage (unless `adopt`),
 * PUT, then GET again and check every field of `body` is stored as written.
 */
export async function applyObject(client: AdminClient, request: ApplyObjectRequest): Promise<ApplyObjectResult> {
  const { path, body, constructPath } = request;
  const context = { constructPath };
  const existing = await client.get(path, context);
  const owner = ownerOf(body);
  const unmanaged = existing !== undefined && !isManaged(existing);
  const existingOwner = existing === undefined || unmanaged ? undefined : ownerOf(existing);
  const legacy = existingOwner !== undefined && existingOwner !== owner && existingOwner === request.legacyOwner;
  const otherOwner = existingOwner !== owner && !legacy ? existingOwner : undefined;
  const adopted = unmanaged || otherOwner !== undefined;
  if (adopted && !request.adopt) {
    const whose = unmanaged
      ? `it exists and is not managed by ${MANAGED_BY_VALUE} (labels: ${JSON.stringify(labelsOf(existing!) ?? {})})`
      : `it is managed by ${MANAGED_BY_VALUE} for owner "${otherOwner}", not "${owner ?? ""}" ` +
        `(another stack, repository or environment writes it; give each one its own GatewayConnection owner)`;
    throw new AdminApiError(
      `refusing to overwrite ${path}: ${whose}; set adopt: true on ${constructPath || "the construct"} to take it ` +
        `over, or use another id`,
      { kind: "not-managed", method: "PUT", path, constructPath },
    );
  }
  const put = await client.put(path, body, context);
  const stored = await client.get(path, context);
  if (stored === undefined) {
    throw new AdminApiError(
      `read-after-write check failed for ${path}: the gateway answered ${put.status} to the PUT but a GET right after ` +
        `returned 404${constructSuffix(constructPath)}`,
      { kind: "verify", method: "GET", path, status: 404, constructPath },
    );
  }
  const difference = firstDifference(body, stored);
  if (difference) {
    throw new AdminApiError(
      `read-after-write check failed for ${path}: ${difference}${constructSuffix(constructPath)}`,
      { kind: "verify", method: "GET", path, constructPath },
    );
  }
  return { path, status: put.status, adopted, warning: put.warning, ...(legacy ? { relabelledFrom: existingOwner } : {}) };
}

/** Input of `deleteObject`. */
export interface DeleteObjectRequest {
  readonly path: string;
  /** Our `bluegreen-owner`; an object labelled with another owner is left in place. @default - any owner */
  readonly owner?: string;
  /** A second owner that counts as ours (see `ApplyObjectRequest.legacyOwner`). */
  readonly legacyOwner?: string;
  readonly constructPath?: string;
}

/** What `deleteObject` did. */
export type DeleteOutcome = "deleted" | "already-gone" | "skipped-unmanaged" | "skipped-other-owner";

export interface DeleteObjectResult {
  readonly path: string;
  readonly outcome: DeleteOutcome;
  /** Labels of the object when it was skipped. */
  readonly labels?: Record<string, unknown>;
}

/** Deletes one object if it exists and carries our managed-by label; a missing object is fine. */
export async function deleteObject(client: AdminClient, request: DeleteObjectRequest): Promise<DeleteObjectResult> {
  const { path, constructPath } = request;
  const context = { constructPath };
  const existing = await client.get(path, context);
  if (existing === undefined) return { path, outcome: "already-gone" };
  if (!isManaged(existing)) return { path, outcome: "skipped-unmanaged", labels: labelsOf(existing) ?? {} };
  const existingOwner = ownerOf(existing);
  const ours = existingOwner === request.owner || (request.legacyOwner !== undefined && existingOwner === request.legacyOwner);
  if (request.owner !== undefined && !ours) {
    return { path, outcome: "skipped-other-owner", labels: labelsOf(existing) ?? {} };
  }
  const deleted = await client.delete(path, context);
  return { path, outcome: deleted ? "deleted" : "already-gone" };
}

/** Input of `sweep`. */
export interface SweepObjectsRequest {
  /** Value of the `bluegreen-owner` label whose objects are swept. */
  readonly owner: string;
  /** Paths (with query) of every object the owner still declares; compared after sorting query parameters. */
  readonly keep: readonly string[];
  /**
   * The legacy owner (see `ApplyObjectRequest.legacyOwner`). Undeclared objects labelled with it may belong to
   * another project whose stack has the same id, so they are left in place and reported in `legacyLeft`, except
   * routes bound to a service this owner declares: only a project declaring that service id writes such routes.
   */
  readonly legacyOwner?: string;
  readonly constructPath?: string;
}

/** One object removed by a sweep. */
export interface SweptObject {
  readonly resource: AdminResource;
  readonly id: string;
  readonly path: string;
  /** `already-gone` when a cascade (EE: deleting a service deletes its upstreams) removed it first. */
  readonly outcome: "deleted" | "already-gone";
}

export interface SweepResult {
  readonly owner: string;
  /** In deletion order: routes, then services, then upstreams. */
  readonly removed: SweptObject[];
  /** Undeclared objects labelled with the legacy owner, left in place. */
  readonly legacyLeft: ListedObject[];
}

const SWEEP_ORDER: readonly AdminResource[] = ["routes", "services", "upstreams"];

/**
 * Deletes every object labelled `managed-by: cdktf-apisix-bluegreen` and `bluegreen-owner: <owner>` whose path is
 * not in `keep`: routes first, then services, then upstreams (so references never block a delete).
 * Everything is listed before anything is deleted.
 */
export async function sweep(client: AdminClient, request: SweepObjectsRequest): Promise<SweepResult> {
  const { owner, constructPath } = request;
  const context = { constructPath };
  const { candidates, legacyLeft } = await classifyObjects(client, request);
  const removed: SweptObject[] = [];
  for (const object of candidates) {
    try {
      const deleted = await client.delete(object.path, context);
      removed.push({ resource: object.resource, id: object.id, path: object.path, outcome: deleted ? "deleted" : "already-gone" });
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      const done = removed.length > 0 ? `; already deleted: ${describeSwept(removed)}` : "";
      throw new AdminApiError(`sweep of owner "${owner}" stopped: ${error.message}${done}`, {
        kind: error.kind,
        method: error.method,
        path: error.path,
        status: error.status,
        errorMsg: error.errorMsg,
        constructPath: error.constructPath,
        attempts: error.attempts,
        cause: error,
      });
    }
  }
  return { owner, removed, legacyLeft };
}

/**
 * What a sweep of `request.owner` would delete, without deleting anything: every object labelled
 * `managed-by: cdktf-apisix-bluegreen` and `bluegreen-owner: <owner>` whose path is not in `keep` (plus, given
 * `legacyOwner`, the legacy-labelled routes bound to a declared service), in deletion order (routes, then services,
 * then upstreams).
 */
export async function undeclaredObjects(client: AdminClient, request: SweepObjectsRequest): Promise<ListedObject[]> {
  return (await classifyObjects(client, request)).candidates;
}

/** One listing of the gateway: the sweep's candidates, and the undeclared legacy-owner objects it leaves alone. */
async function classifyObjects(
  client: AdminClient,
  request: SweepObjectsRequest,
): Promise<{ candidates: ListedObject[]; legacyLeft: ListedObject[] }> {
  const { owner, legacyOwner, constructPath } = request;
  const context = { constructPath };
  const keep = new Set(request.keep.map(canonicalPath));
  const candidates: ListedObject[] = [];
  const legacyLeft: ListedObject[] = [];
  for (const resource of SWEEP_ORDER) {
    for (const object of await client.list(resource, context)) {
      const labels = labelsOf(object.value);
      if (labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || keep.has(canonicalPath(object.path))) continue;
      if (labels[OWNER_LABEL] === owner) candidates.push(object);
      else if (legacyOwner !== undefined && labels[OWNER_LABEL] === legacyOwner) {
        (resource === "routes" && keep.has(canonicalPath(servicePathOf(object))) ? candidates : legacyLeft).push(object);
      }
    }
  }
  return { candidates, legacyLeft };
}

/** The path of the service a listed route is bound to (same query, so same gateway group), or "" when it has none. */
function servicePathOf(route: ListedObject): string {
  const serviceId = route.value.service_id;
  if (typeof serviceId !== "string" && typeof serviceId !== "number") return "";
  return route.path.replace(/\/routes\/[^/?]+/, `/services/${encodeURIComponent(String(serviceId))}`);
}

/** `route r-old, upstream s-blue` */
export function describeSwept(objects: readonly Pick<SweptObject, "resource" | "id">[]): string {
  return objects.map((o) => `${o.resource.replace(/s$/, "")} ${o.id}`).join(", ");
}

/** True if the object carries `managed-by: cdktf-apisix-bluegreen`. */
export function isManaged(object: StoredObject): boolean {
  return labelsOf(object)?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** The object's `bluegreen-owner` label, or undefined. */
export function ownerOf(object: StoredObject): string | undefined {
  const owner = labelsOf(object)?.[OWNER_LABEL];
  return typeof owner === "string" ? owner : undefined;
}

/** The object's `labels` map, or undefined when it has none (or it is not a map). */
export function labelsOf(object: StoredObject): Record<string, unknown> | undefined {
  const labels = object.labels;
  return labels && typeof labels === "object" && !Array.isArray(labels) ? (labels as Record<string, unknown>) : undefined;
}

/**
 * The first field of `expected` that `actual` does not store as written, described for a human, or undefined.
 * Objects are compared as "every field written is present and equal" (a gateway may add fields of its own, e.g.
 * API7 EE defaults); arrays must match element by element and in length. Top-level `id`, `create_time` and
 * `update_time` are ignored. Built on `diffObject`, the comparison `bluegreen drift` uses too.
 */
export function firstDifference(expected: Record<string, unknown>, actual: StoredObject): string | undefined {
  const [first] = diffObject(expected, actual);
  return first === undefined ? undefined : describeWriteDifference(first);
}

/** A difference as the read-after-write check words it ("was written as ... but the gateway stored ..."). */
function describeWriteDifference(d: FieldDifference): string {
  switch (d.kind) {
    case "absent":
      return `field ${d.field} was written as ${showValue(d.declared)} but the gateway did not store it`;
    case "length":
      return (
        `field ${d.field} was written with ${(d.declared as unknown[]).length} items but the gateway stored ` +
        `${(d.live as unknown[]).length}: ${showValue(d.live)}`
      );
    case "value":
      return `field ${d.field} was written as ${showValue(d.declared)} but the gateway stored ${showValue(d.live)}`;
  }
}
