/**
 * APISIX `upstream_schema` (schema_def.lua 329-545) as zod. Cross-field checks that APISIX runs outside the JSON
 * schema (`check_upstream_conf`: pass_host rewrite, chash key, ports, IPv6) live in `upstream-check.ts`.
 */
import { z } from "zod";
import { hostSchema, idSchema, objectMetadataShape, timeoutSchema } from "./common";

/** One node in array form: `{host, port?, weight, priority?, metadata?}`. */
export const upstreamNodeSchema = z.looseObject({
  host: hostSchema,
  port: z.int().min(1).max(65535).optional(),
  weight: z.int().min(0),
  priority: z.int().optional(),
  metadata: z.looseObject({}).optional(),
});
export type UpstreamNode = z.infer<typeof upstreamNodeSchema>;

/** Nodes: either an array of node objects or a hash `{"host:port": weight}`. */
export const upstreamNodesSchema = z.union([z.array(upstreamNodeSchema), z.record(z.string(), z.int().min(0))]);
export type UpstreamNodes = z.infer<typeof upstreamNodesSchema>;

/** `tls`: client certificate by id or inline, and whether to verify the upstream's certificate. */
export const upstreamTlsSchema = z.looseObject({
  client_cert_id: idSchema.optional(),
  client_cert: z.string().optional(),
  client_key: z.string().optional(),
  verify: z.boolean().optional(),
});

/** `keepalive_pool`: `{size >= 1, idle_timeout >= 0, requests >= 1}`. */
export const keepalivePoolSchema = z.strictObject({
  size: z.int().min(1).optional(),
  idle_timeout: z.number().min(0).optional(),
  requests: z.int().min(1).optional(),
});

/** Health checks, checked loosely: `active` is required when `checks` is present. */
export const checksSchema = z.looseObject({
  active: z.looseObject({}),
  passive: z.looseObject({}).optional(),
});

/** Upstream schemes APISIX knows. */
export const UPSTREAM_SCHEMES = ["grpc", "grpcs", "http", "https", "tcp", "tls", "udp", "kafka"] as const;

/** `pass_host`: which Host header the gateway sends to the nodes. */
export const PASS_HOST_MODES = ["pass", "node", "rewrite"] as const;

/** The full APISIX upstream object (`additionalProperties: false`); needs `nodes` or `service_name`+`discovery_type`. */
export const upstreamSchema = z
  .strictObject({
    ...objectMetadataShape,
    nodes: upstreamNodesSchema.optional(),
    retries: z.int().min(0).optional(),
    retry_timeout: z.number().min(0).optional(),
    timeout: timeoutSchema.optional(),
    tls: upstreamTlsSchema.optional(),
    keepalive_pool: keepalivePoolSchema.optional(),
    type: z.string().optional(),
    checks: checksSchema.optional(),
    hash_on: z.enum(["vars", "header", "cookie", "consumer", "vars_combinations"]).optional(),
    key: z.string().optional(),
    scheme: z.enum(UPSTREAM_SCHEMES).optional(),
    discovery_type: z.string().optional(),
    discovery_args: z.looseObject({}).optional(),
    service_name: z.string().min(1).max(256).optional(),
    pass_host: z.enum(PASS_HOST_MODES).optional(),
    upstream_host: hostSchema.optional(),
  })
  .superRefine((u, ctx) => {
    const hasNodes = u.nodes !== undefined;
    const hasDiscovery = u.service_name !== undefined && u.discovery_type !== undefined;
    if (hasNodes === hasDiscovery) {
      ctx.addIssue({
        code: "custom",
        message: hasNodes
          ? "value should match only one schema, but matches both schemas 1 and 2"
          : "value should match only one schema, but matches none",
        input: u,
      });
    }
  });
export type Upstream = z.infer<typeof upstreamSchema>;
