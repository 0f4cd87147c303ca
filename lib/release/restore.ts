/**
 * Putting back the exact service body the gateway held before a release: a PUT of that body (without the fields the
 * gateway sets itself, which it refuses on a write) and a read-back that must match it. No ownership check: the
 * object was ours a moment ago, written by this release, and the body being put back is whatever was live before it
 * (adopted or not). Used by the release runner and by the guardian process.
 */
import type { AdminClient, StoredObject } from "../client/admin-client";
import { SERVER_FIELDS } from "../client/diff-object";
import { AdminApiError, constructSuffix } from "../client/errors";
import { firstDifference } from "../client/object-sync";

/** `before` as it can be written back: without `id`, `create_time` and `update_time`. */
export function restorableBody(before: StoredObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(before).filter(([key]) => !SERVER_FIELDS.has(key)));
}

/** Writes `before` back at `path` and verifies it; throws an `AdminApiError` when it cannot. */
export async function restoreService(client: AdminClient, path: string, before: StoredObject, constructPath?: string): Promise<void> {
  const body = restorableBody(before);
  const context = { constructPath };
  await client.put(path, body, context);
  const stored = await client.get(path, context);
  const difference = stored === undefined ? "a GET right after the PUT returned 404" : firstDifference(body, stored);
  if (difference !== undefined) {
    throw new AdminApiError(`read-after-write check of the restored ${path} failed: ${difference}${constructSuffix(constructPath)}`, {
      kind: "verify",
      method: "GET",
      path,
      constructPath,
    });
  }
}

/** Whether the gateway holds `before` at `path` (every field of it, as written). */
export async function holdsBody(client: AdminClient, path: string, before: StoredObject): Promise<boolean> {
  const stored = await client.get(path);
  return stored !== undefined && firstDifference(restorableBody(before), stored) === undefined;
}
