/**
 * Zod schemas for the Admin API response envelopes of both flavours (reference §1.4 and §4.1).
 *
 * APISIX v3:  single `{key, value, createdIndex?, modifiedIndex?}`, list `{list: [{key, value, ...}], total}`,
 *             delete `{deleted: "1", key}`, error `{error_msg}` or `{message}` (404 "Key not found").
 * API7 EE:    single `{value}` (create may add `warning_msg`), list `{list: [flat object], total}`, error `{error_msg}`.
 *
 * `zod/mini`: every hook run parses envelopes; parse them with `safeParseWithMessages` for zod's English messages.
 */
import * as z from "zod/mini";
import { safeParseWithMessages } from "../schemas/parse-with-messages";

/** A stored gateway object: the client's body plus `id`, `create_time`, `update_time`. */
export type StoredObject = Record<string, unknown>;

const objectValue = z.record(z.string(), z.unknown());

/** APISIX single-object envelope (GET and PUT). */
export const apisixSingleSchema = z.looseObject({ key: z.string(), value: objectValue });

/** API7 EE single-object envelope (GET and PUT). */
export const eeSingleSchema = z.looseObject({ value: objectValue, warning_msg: z.optional(z.string()) });

/** APISIX list envelope; items are etcd nodes. */
export const apisixListSchema = z.looseObject({
  list: z.array(z.looseObject({ key: z.string(), value: objectValue })),
  total: z.optional(z.number().check(z.int(), z.nonnegative())),
});

/** API7 EE list envelope; items are plain objects. */
export const eeListSchema = z.looseObject({
  list: z.array(objectValue),
  total: z.optional(z.number().check(z.int(), z.nonnegative())),
});

/** Error body of either flavour; every field optional because proxies in front may answer with anything. */
export const errorBodySchema = z.looseObject({
  error_msg: z.optional(z.string()),
  message: z.optional(z.string()),
  description: z.optional(z.string()),
});

/** Picks the most useful human message out of an error body, or undefined. */
export function errorMessageOf(body: unknown): string | undefined {
  const parsed = safeParseWithMessages(errorBodySchema, body);
  if (!parsed.success) return undefined;
  const { error_msg: errorMsg, message, description } = parsed.data;
  const main = errorMsg ?? message;
  if (main && description) return `${main}: ${description}`;
  return main ?? description;
}

/** One line summarising why a body did not match a schema (first issue only). */
export function describeZodError(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "unexpected shape";
  const where = issue.path.length > 0 ? issue.path.join(".") : "(root)";
  return `${where}: ${issue.message}`;
}

/** A body for a message: tags stripped, whitespace collapsed, cut at 300 characters; `(empty body)` when empty. */
export function snippet(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat || "(empty body)";
}
