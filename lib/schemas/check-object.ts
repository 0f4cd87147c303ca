/**
 * The full APISIX `check_conf` for routes, services and upstreams (admin/resource.lua, admin/routes.lua,
 * admin/services.lua, upstream.lua), minus referenced-id existence (the store checks that). Pure: usable at synth
 * time.
 */
import type { z } from "zod";
import type { AdminResource } from "../model/admin-paths";
import type { Flavor } from "../model/gateway-request";
import { checkPlugins, checkVars } from "./check-plugins";
import { formatZodIssue, jsonTypeName } from "./format-issue";
import { eeRouteSchema, eeServiceSchema } from "./ee";
import { routeSchema } from "./route";
import { serviceSchema } from "./service";
import { checkUpstreamConf } from "./upstream-check";
import { upstreamSchema } from "./upstream";

/** Outcome of `checkObject`: the accepted body (unchanged, no defaults) or APISIX's error message. */
export type CheckResult = { ok: true; value: Record<string, unknown> } | { ok: false; error_msg: string };

const FORBIDDEN = ["create_time", "update_time"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function schemaFor(kind: AdminResource, flavor: Flavor): z.ZodType {
  if (kind === "upstreams") return upstreamSchema;
  if (flavor === "api7-ee") return kind === "routes" ? eeRouteSchema : eeServiceSchema;
  return kind === "routes" ? routeSchema : serviceSchema;
}

/** `the property is forbidden:  create_time` when a timestamp is sent at the top, in `upstream` or in `plugins`. */
function checkForbidden(body: Record<string, unknown>): string | undefined {
  for (const scope of [body, body.upstream, body.plugins]) {
    if (!isRecord(scope)) continue;
    for (const key of FORBIDDEN) if (key in scope) return `the property is forbidden:  ${key}`;
  }
  return undefined;
}

function checkExclusive(kind: AdminResource, flavor: Flavor, body: Record<string, unknown>): string | undefined {
  if (kind !== "routes" || flavor !== "apisix") return undefined;
  if (body.host !== undefined && body.hosts !== undefined) return "only one of host or hosts is allowed";
  if (body.remote_addr !== undefined && body.remote_addrs !== undefined) {
    return "only one of remote_addr or remote_addrs is allowed";
  }
  return undefined;
}

/** Schema errors outside `plugins.<name>` (plugin configs are reported by checkPlugins in APISIX's wording). */
function checkSchema(kind: AdminResource, flavor: Flavor, body: Record<string, unknown>): string | undefined {
  const parsed = schemaFor(kind, flavor).safeParse(body, { reportInput: true });
  if (parsed.success) return undefined;
  const outside = parsed.error.issues.find((i) => !(i.path[0] === "plugins" && i.path.length >= 2));
  if (outside) return `invalid configuration: ${formatZodIssue(outside)}`;
  const pluginErr = checkPlugins(body.plugins);
  return pluginErr ?? `invalid configuration: ${formatZodIssue(parsed.error.issues[0]!)}`;
}

/**
 * Validates a route, service or upstream body the way APISIX's Admin API does before storing it. `flavor`
 * "api7-ee" uses the EE route and service bodies. Never throws.
 */
export function checkObject(kind: AdminResource, body: unknown, flavor: Flavor): CheckResult {
  try {
    if (body === undefined || body === null) return { ok: false, error_msg: "missing configurations" };
    if (!isRecord(body)) {
      return { ok: false, error_msg: `invalid configuration: wrong type: expected object, got ${jsonTypeName(body)}` };
    }
    const error =
      checkForbidden(body) ??
      checkExclusive(kind, flavor, body) ??
      checkSchema(kind, flavor, body) ??
      checkUpstreamConf(kind === "upstreams" ? body : body.upstream) ??
      checkPlugins(body.plugins) ??
      (kind === "routes" && body.vars !== undefined ? checkVars(body.vars) : undefined);
    return error === undefined ? { ok: true, value: body } : { ok: false, error_msg: error };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, error_msg: `invalid configuration: ${msg}` };
  }
}
