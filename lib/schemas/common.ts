/**
 * Shared definitions of APISIX's `schema_def.lua` (id, name, desc, labels, host, method, timeout) as zod schemas, and
 * the patterns the construct props share with them (ids, hosts, header and environment variable names, methods).
 * Pure: no Node I/O, so the constructs can use them at synth time.
 */
import { z } from "zod";
import { HTTP_METHODS } from "./patterns";

export { ENV_NAME_PATTERN, HEADER_NAME_PATTERN, HTTP_METHODS } from "./patterns";

/** `id_schema`: the characters of a string id. */
export const ID_PATTERN = /^[a-zA-Z0-9-_.]+$/;
/** `id_schema`: the longest string id. */
export const ID_MAX_LENGTH = 64;

/** `id_schema`: a string of 1..64 chars matching `^[a-zA-Z0-9-_.]+$`, or an integer >= 1. */
export const idSchema = z.union([z.string().min(1).max(ID_MAX_LENGTH).regex(ID_PATTERN), z.int().min(1)]);
export type Id = z.infer<typeof idSchema>;

/** `rule_name_def`: a string of 1..256 chars. */
export const nameSchema = z.string().min(1).max(256);
export type Name = z.infer<typeof nameSchema>;

/** `desc_def`: a string of at most 256 chars. */
export const descSchema = z.string().max(256);
export type Desc = z.infer<typeof descSchema>;

/** `labels_def`: the longest label value. */
export const LABEL_VALUE_MAX_LENGTH = 256;
/** `labels_def`: a label value has no whitespace. */
export const LABEL_VALUE_PATTERN = /^\S+$/;

/** `labels_def`: an object whose values are strings of 1..256 chars without whitespace. */
export const labelsSchema = z.record(
  z.string(),
  z
    .string()
    .min(1)
    .max(LABEL_VALUE_MAX_LENGTH)
    .regex(LABEL_VALUE_PATTERN),
);
export type Labels = z.infer<typeof labelsSchema>;

/** The characters of a host name or IP address (`host_def` without its wildcard forms). */
const HOST_CHARS = "[0-9a-zA-Z-._[\\]:]+";
/** A host name or IP address without wildcard: an upstream node's host. */
export const NODE_HOST_PATTERN = new RegExp(`^${HOST_CHARS}$`);
/** `host_def` as a pattern: a route's or service's host. */
export const HOST_PATTERN = new RegExp(`^\\*$|^\\*?${HOST_CHARS}$`);

/** `host_def`: `*`, a host name, an IP, or a wildcard host such as `*.example.com`. */
export const hostSchema = z.string().regex(HOST_PATTERN);
export type Host = z.infer<typeof hostSchema>;

/** `method_schema`: one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, CONNECT, TRACE, PURGE. */
export const methodSchema = z.enum(HTTP_METHODS);
export type Method = z.infer<typeof methodSchema>;

/** `timeout_def`: `{connect, send, read}`, all required, each a number of seconds > 0. */
export const timeoutSchema = z.strictObject({
  connect: z.number().gt(0),
  send: z.number().gt(0),
  read: z.number().gt(0),
});
export type Timeout = z.infer<typeof timeoutSchema>;

/** Epoch seconds the store injects; clients must not send them on PUT/POST. */
const timestampSchema = z.int();

/** `desc`, `labels`, `create_time`, `update_time`: the metadata fields every APISIX object shares. */
export const metadataShape = {
  desc: descSchema.optional(),
  labels: labelsSchema.optional(),
  create_time: timestampSchema.optional(),
  update_time: timestampSchema.optional(),
};

/** `id` and `name` (APISIX's `rule_name_def`) plus the shared metadata fields. */
export const objectMetadataShape = {
  id: idSchema.optional(),
  name: nameSchema.optional(),
  ...metadataShape,
};

/** The 1-based index pair of the first duplicate in `items`, compared as JSON, or undefined when all are unique. */
export function firstDuplicate(items: readonly unknown[]): [number, number] | undefined {
  const seen = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    const key = JSON.stringify(items[i]);
    const before = seen.get(key);
    if (before !== undefined) return [before + 1, i + 1];
    seen.set(key, i);
  }
  return undefined;
}

/** An array of `item` with at least `min` items that must be unique (`uniqueItems: true`). */
export function uniqueArray<T extends z.ZodType>(item: T, min = 1, max?: number) {
  let arr = z.array(item).min(min);
  if (max !== undefined) arr = arr.max(max);
  return arr.superRefine((items, ctx) => {
    const dup = firstDuplicate(items);
    if (dup) {
      ctx.addIssue({
        code: "custom",
        message: `expected unique items but items ${dup[0]} and ${dup[1]} are equal`,
        input: items,
      });
    }
  });
}

/** A generic plugin configuration: any JSON object (unknown keys accepted). */
export const pluginConfSchema = z.looseObject({});
