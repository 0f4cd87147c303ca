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
import { COLORS } from "../model/specs";
import { parseUpstreamId } from "../model/upstream-ids";
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
export type DeleteOutcome = "deleted" | "already-gone" | "skipped-unmanaged" | "skipped-other-owner" | "skipped-held";

export interface DeleteObjectResult {
  readonly path: string;
  readonly outcome: DeleteOutcome;
  /** Labels of the object when it was skipped as unmanaged or another owner's. */
  readonly labels?: Record<string, unknown>;
  /** `skipped-held` (API7 EE services): what is under the service and not ours, which deleting it would delete. */
  readonly holders?: ServiceHolder[];
}

/**
 * A route or upstream under an API7 EE service that is not ours to delete. API7 EE deletes every route and upstream
 * under a service along with it, so a service with one of these under it is left in place.
 */
export interface ServiceHolder {
  readonly resource: AdminResource;
  readonly id: string;
  /** Its labels (`{}` when it has none), to tell a hand-made object from another owner's. */
  readonly labels: Record<string, unknown>;
}

/**
 * Deletes one object if it exists and carries our managed-by label (and `owner`, when given); a missing object is
 * fine. On API7 EE a service is left in place (`skipped-held`) when a route or upstream under it is not ours.
 */
export async function deleteObject(client: AdminClient, request: DeleteObjectRequest): Promise<DeleteObjectResult> {
  const { path, owner, constructPath } = request;
  const context = { constructPath };
  const existing = await client.get(path, context);
  if (existing === undefined) return { path, outcome: "already-gone" };
  if (!isManaged(existing)) return { path, outcome: "skipped-unmanaged", labels: labelsOf(existing) ?? {} };
  const existingOwner = ownerOf(existing);
  const ours = existingOwner === request.owner || (request.legacyOwner !== undefined && existingOwner === request.legacyOwner);
  if (request.owner !== undefined && !ours) {
    return { path, outcome: "skipped-other-owner", labels: labelsOf(existing) ?? {} };
  }
  const serviceId = client.flavor === "api7-ee" ? serviceIdOf(path) : undefined;
  if (serviceId !== undefined) {
    const releasable = (o: ListedObject) =>
      isManaged(o.value) &&
      (owner === undefined || ownerOf(o.value) === owner || (request.legacyOwner !== undefined && ownerOf(o.value) === request.legacyOwner));
    const holders = await serviceHolders(client, serviceId, releasable, context);
    if (holders.length > 0) return { path, outcome: "skipped-held", holders };
  }
  const deleted = await client.delete(path, context);
  return { path, outcome: deleted ? "deleted" : "already-gone" };
}

/**
 * API7 EE: the routes (by `service_id`) and upstreams under service `serviceId` that `releasable` does not accept,
 * i.e. what deleting the service would delete although it is not ours to delete. Lists every route.
 */
export async function serviceHolders(
  client: AdminClient,
  serviceId: string,
  releasable: (object: ListedObject) => boolean,
  context: { constructPath?: string } = {},
): Promise<ServiceHolder[]> {
  const routes = (await client.list("routes", context)).filter(
    (r) => r.value.service_id !== undefined && String(r.value.service_id) === serviceId,
  );
  const upstreams = await client.listServiceUpstreams(serviceId, context);
  return [...routes, ...upstreams]
    .filter((o) => !releasable(o))
    .map((o) => ({ resource: o.resource, id: o.id, labels: labelsOf(o.value) ?? {} }));
}

/** `route hand-made (no labels), route theirs (labels: {...})` */
export function describeHolders(holders: readonly ServiceHolder[]): string {
  return holders
    .map((h) => {
      const labels = Object.keys(h.labels).length === 0 ? "no labels" : `labels: ${JSON.stringify(h.labels)}`;
      return `${h.resource.replace(/s$/, "")} ${h.id} (${labels})`;
    })
    .join(", ");
}

/**
 * Why an API7 EE service was left in place, for a warning: names what is under it and what to do.
 * `left service s1 in place: on API7 EE deleting it would also delete route hand-made (no labels), ...`
 */
export function describeHeld(serviceId: string, path: string, holders: readonly ServiceHolder[]): string {
  const them = holders.length === 1 ? "it is" : "they are";
  return (
    `left service ${serviceId} in place: on API7 EE deleting it would also delete ${describeHolders(holders)}, and ` +
    `${them} not this stack's to delete; move ${holders.length === 1 ? "it" : "them"} to another service or delete ` +
    `${holders.length === 1 ? "it" : "them"}, then delete the service (DELETE ${path})`
  );
}

/** The service id of a service path (`/apisix/admin/services/<id>[?query]`), or undefined for another path. */
export function serviceIdOf(path: string): string | undefined {
  const m = /^\/apisix\/admin\/services\/([^/?]+)(\?.*)?$/.exec(path);
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
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

/** A service a sweep left in place (API7 EE: something under it is not ours, see `ServiceHolder`). */
export interface HeldService {
  readonly id: string;
  readonly path: string;
  readonly holders: ServiceHolder[];
}

export interface SweepResult {
  readonly owner: string;
  /** In deletion order: routes, then services, then upstreams. */
  readonly removed: SweptObject[];
  /** API7 EE services left in place because a route or upstream under them is not ours, or still declared. */
  readonly held: HeldService[];
  /** Undeclared objects labelled with the legacy owner, left in place. */
  readonly legacyLeft: ListedObject[];
}

const SWEEP_ORDER: readonly AdminResource[] = ["routes", "services", "upstreams"];

/**
 * Deletes every object labelled `managed-by: cdktf-apisix-bluegreen` and `bluegreen-owner: <owner>` whose path is
 * not in `keep`: routes first, then services, then upstreams (so references never block a delete).
 * Everything is listed before anything is deleted. On API7 EE, where deleting a service deletes every route and
 * upstream under it, a service with anything under it that is not itself swept is left in place (`held`).
 */
export async function sweep(client: AdminClient, request: SweepObjectsRequest): Promise<SweepResult> {
  const { owner, constructPath } = request;
  const context = { constructPath };
  const { candidates, legacyLeft } = await classifyObjects(client, request);
  const swept = new Set(candidates.map((o) => canonicalPath(o.path)));
  const removed: SweptObject[] = [];
  const held: HeldService[] = [];
  for (const object of candidates) {
    try {
      if (client.flavor === "api7-ee" && object.resource === "services") {
        const holders = await serviceHolders(client, object.id, (o) => swept.has(canonicalPath(o.path)), context);
        if (holders.length > 0) {
          held.push({ id: object.id, path: object.path, holders });
          continue;
        }
      }
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
  return { owner, removed, held, legacyLeft };
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
  const declaredServices = request.keep.map(serviceIdOf).filter((id): id is string => id !== undefined);
  const candidates: ListedObject[] = [];
  const legacyLeft: ListedObject[] = [];
  for (const resource of SWEEP_ORDER) {
    for (const object of await client.list(resource, context)) {
      const labels = labelsOf(object.value);
      if (labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || keep.has(canonicalPath(object.path))) continue;
      if (labels[OWNER_LABEL] === owner) candidates.push(object);
      else if (legacyOwner !== undefined && labels[OWNER_LABEL] === legacyOwner) {
        (belongsToDeclaredService(object, keep, declaredServices) ? candidates : legacyLeft).push(object);
      }
    }
  }
  return { candidates, legacyLeft };
}

/**
 * Whether an object labelled with the legacy owner can only have been written for a service this stack declares
 * (so no other project whose stack has the same name wrote it): a route bound to a declared service, or an upstream
 * whose id is one of a declared service's color ids (`<serviceId>-blue`, as releases before content ids wrote them,
 * or `<serviceId>-blue-<hash>`).
 */
function belongsToDeclaredService(object: ListedObject, keep: ReadonlySet<string>, declaredServices: readonly string[]): boolean {
  if (object.resource === "routes") return keep.has(canonicalPath(servicePathOf(object)));
  if (object.resource !== "upstreams") return false;
  return declaredServices.some(
    (s) => COLORS.some((color) => object.id === `${s}-${color}`) || parseUpstreamId(object.id, s) !== undefined,
  );
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
