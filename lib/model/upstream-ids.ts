/**
 * The ids of a service's standalone upstream objects on APISIX, `<serviceId>-<color>-<content hash>`: how the model
 * builds them and how deploy-time code (the sweep, the health gate) reads the color back out of one.
 */
import { requestSha256 } from "./hook-input";
import { COLORS, type Color } from "./specs";

/** Hex digits of the content hash that ends an upstream id. */
export const UPSTREAM_HASH_LENGTH = 8;
/** The longest suffix `upstreamId` appends to a service id (`-green-` and the hash). */
export const UPSTREAM_ID_SUFFIX_MAX_LENGTH = Math.max(
  ...COLORS.map((color) => upstreamId("", color, "0".repeat(UPSTREAM_HASH_LENGTH)).length),
);

/**
 * Appends the content hash of an upstream's fields (its body without `name` and `labels`) to `text`, an upstream id or
 * path without it. The default, `appendContentHash`, hashes at once; a caller whose fields hold values known only
 * when Terraform runs passes one that has Terraform compute the hash and the concatenation.
 */
export type UpstreamHashAppender = (text: string, fields: Record<string, unknown>) => string;

/** `text` followed by the first `UPSTREAM_HASH_LENGTH` hex digits of the sha256 of the canonical JSON of `fields`. */
export const appendContentHash: UpstreamHashAppender = (text, fields) =>
  text + requestSha256(fields).slice(0, UPSTREAM_HASH_LENGTH);

/**
 * Id of a color's standalone upstream on APISIX: `<serviceId>-<color>-<contentHash>`.
 *
 * The id changes with the upstream's content, so new nodes are written to a new object that takes no traffic until
 * the (health-gated) service write points at it; the sweep then deletes the object of the old nodes.
 */
export function upstreamId(serviceId: string, color: Color, contentHash: string): string {
  return `${serviceId}-${color}-${contentHash}`;
}

const UPSTREAM_ID_TAIL = new RegExp(`^(${COLORS.join("|")})-([0-9a-f]{${UPSTREAM_HASH_LENGTH}})$`);

/** The color and content hash of an id `upstreamId` built for `serviceId`, or undefined for any other id. */
export function parseUpstreamId(id: unknown, serviceId: string): { color: Color; contentHash: string } | undefined {
  if (typeof id !== "string" || !id.startsWith(`${serviceId}-`)) return undefined;
  const m = UPSTREAM_ID_TAIL.exec(id.slice(serviceId.length + 1));
  return m === null ? undefined : { color: m[1] as Color, contentHash: m[2]! };
}
