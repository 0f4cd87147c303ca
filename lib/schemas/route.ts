/** APISIX `_M.route` (schema_def.lua 573-701, `additionalProperties: false`) as zod, including its allOf/anyOf. */
import { z } from "zod";
import { hostSchema, idSchema, methodSchema, objectMetadataShape, timeoutSchema, uniqueArray } from "./common";
import { pluginsSchema } from "./plugins";
import { upstreamSchema } from "./upstream";

/** IPv4, IPv4 CIDR, IPv6 or IPv6 CIDR (checked loosely). */
export const remoteAddrSchema = z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/);

/** Message when a route has neither or both of `uri` and `uris`. */
export const ONE_OF_NONE = "value should match only one schema, but matches none";
export const ONE_OF_BOTH = "value should match only one schema, but matches both schemas 1 and 2";
/** Message when a route has a uri but nothing to do (no plugins, upstream, upstream_id, service_id or script). */
export const ROUTE_NEEDS_TARGET =
  'object matches none of the required: ["plugins"] or ["upstream"] or ["upstream_id"] or ["service_id"] or ["script"]';

/** Fields of `_M.route`, without the cross-field constraints. */
export const routeShape = {
  ...objectMetadataShape,
  uri: z.string().min(1).max(4096).optional(),
  uris: uniqueArray(z.string().min(1).max(4096)).optional(),
  priority: z.int().optional(),
  methods: uniqueArray(methodSchema, 0).optional(),
  host: hostSchema.optional(),
  hosts: uniqueArray(hostSchema).optional(),
  remote_addr: remoteAddrSchema.optional(),
  remote_addrs: uniqueArray(remoteAddrSchema).optional(),
  timeout: timeoutSchema.optional(),
  vars: z.array(z.unknown()).optional(),
  filter_func: z
    .string()
    .min(10)
    .regex(/^function/)
    .optional(),
  script: z.string().min(10).max(102400).optional(),
  script_id: idSchema.optional(),
  plugins: pluginsSchema.optional(),
  plugin_config_id: idSchema.optional(),
  upstream: upstreamSchema.optional(),
  service_id: idSchema.optional(),
  upstream_id: idSchema.optional(),
  enable_websocket: z.boolean().optional(),
  status: z.union([z.literal(1), z.literal(0)]).optional(),
};

/** An APISIX route: exactly one of uri/uris, at most one of host/hosts and remote_addr/remote_addrs, and a target. */
export const routeSchema = z.strictObject(routeShape).superRefine((r, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message, input: r });
  if (r.host !== undefined && r.hosts !== undefined) return fail("only one of host or hosts is allowed");
  if (r.remote_addr !== undefined && r.remote_addrs !== undefined) {
    return fail("only one of remote_addr or remote_addrs is allowed");
  }
  const hasUri = r.uri !== undefined;
  const hasUris = r.uris !== undefined;
  if (!hasUri && !hasUris) return fail(ONE_OF_NONE);
  if (hasUri && hasUris) return fail(ONE_OF_BOTH);
  const hasTarget = ["plugins", "upstream", "upstream_id", "service_id", "script"].some(
    (k) => (r as Record<string, unknown>)[k] !== undefined,
  );
  if (!hasTarget) return fail(ROUTE_NEEDS_TARGET);
  if (r.script !== undefined && (r.plugins !== undefined || r.plugin_config_id !== undefined)) {
    return fail('"script" can not be used together with "plugins" or "plugin_config_id"');
  }
  return undefined;
});
export type Route = z.infer<typeof routeSchema>;
