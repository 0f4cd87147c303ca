/**
 * List queries of the Admin API (admin/v3_adapter.lua): `name=<regex>`, `label=<key>` or `label=<key>:<value>`,
 * `uri=<regex>`, `service_id=`, `upstream_id=`, `filter=service_id%3D1`, EE's `labels[k]=v`, and `page`/`page_size`.
 * `total` counts after filtering and before paging.
 */
import type { ConfigObject } from "./config-snapshot";
import { isPlainObject } from "./deep-merge";

/** A filtered and paged list, or a 400 message. */
export type ListResult<T> = { ok: true; total: number; items: T[] } | { ok: false; error_msg: string };

type Predicate = (value: ConfigObject) => boolean;

function regexParam(query: URLSearchParams, name: string): RegExp | string | undefined {
  const source = query.get(name);
  if (source === null || source === "") return undefined;
  try {
    return new RegExp(source);
  } catch (err) {
    return `invalid ${name} regex ${JSON.stringify(source)}: ${(err as Error).message}`;
  }
}

function labelPredicate(spec: string): Predicate {
  const colon = spec.indexOf(":");
  const key = colon === -1 ? spec : spec.slice(0, colon);
  const want = colon === -1 ? undefined : spec.slice(colon + 1);
  return (v) => {
    const labels = isPlainObject(v.labels) ? v.labels : {};
    return key in labels && (want === undefined || labels[key] === want);
  };
}

function buildPredicates(query: URLSearchParams): Predicate[] | string {
  const preds: Predicate[] = [];
  const name = regexParam(query, "name");
  if (typeof name === "string") return name;
  if (name) preds.push((v) => typeof v.name === "string" && name.test(v.name));
  const uri = regexParam(query, "uri");
  if (typeof uri === "string") return uri;
  if (uri) {
    preds.push((v) => {
      const uris = [v.uri, ...(Array.isArray(v.uris) ? v.uris : []), ...(Array.isArray(v.paths) ? v.paths : [])];
      return uris.some((u) => typeof u === "string" && uri.test(u));
    });
  }
  const label = query.get("label");
  if (label) preds.push(labelPredicate(label));
  for (const [k, val] of query) {
    const m = /^labels\[(.+)\]$/.exec(k);
    if (m) preds.push(labelPredicate(`${m[1]}:${val}`));
  }
  const fields: Array<[string, string]> = [];
  for (const field of ["service_id", "upstream_id"]) {
    const val = query.get(field);
    if (val !== null) fields.push([field, val]);
  }
  const filter = query.get("filter");
  if (filter) {
    const eq = filter.indexOf("=");
    const field = eq === -1 ? filter : filter.slice(0, eq);
    if (field !== "service_id" && field !== "upstream_id") {
      return `invalid filter ${JSON.stringify(filter)}: only service_id and upstream_id can be filtered on`;
    }
    fields.push([field, eq === -1 ? "" : filter.slice(eq + 1)]);
  }
  for (const [field, val] of fields) preds.push((v) => v[field] !== undefined && String(v[field]) === val);
  return preds;
}

/** Filters `items` (whose stored value `valueOf` returns) by the query and applies paging. */
export function filterList<T>(items: T[], valueOf: (item: T) => ConfigObject, query: URLSearchParams): ListResult<T> {
  const preds = buildPredicates(query);
  if (typeof preds === "string") return { ok: false, error_msg: preds };
  const matched = items.filter((item) => preds.every((p) => p(valueOf(item))));
  const page = query.get("page");
  const pageSize = query.get("page_size");
  if (page === null && pageSize === null) return { ok: true, total: matched.length, items: matched };
  const size = pageSize === null ? 10 : Number(pageSize);
  if (!Number.isInteger(size) || size < 10 || size > 500) return { ok: false, error_msg: "page_size must be between 10 and 500" };
  const p = page === null ? 1 : Number(page);
  if (!Number.isInteger(p) || p < 1) return { ok: false, error_msg: `page must be an integer >= 1, got ${JSON.stringify(page)}` };
  return { ok: true, total: matched.length, items: matched.slice((p - 1) * size, p * size) };
}
