/**
 * API7 Enterprise published-service and route bodies (ADC backend-api7 typing.ts, docs.api7.ai). A route belongs to
 * a service (`service_id` required), matches on `paths`, and carries no upstream or host fields.
 */
import { z } from "zod";
import { hostSchema, idSchema, metadataShape, methodSchema, timeoutSchema, uniqueArray } from "./common";
import { pluginsSchema } from "./plugins";
import { upstreamSchema } from "./upstream";

/** A path in EE: 1..4096 chars starting with `/`. */
export const eePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\//);

/** An API7 EE route: `paths` + required `service_id`; no `uri`, `uris`, `upstream`, `upstream_id`, `host`, `hosts`. */
export const eeRouteSchema = z.strictObject({
  id: idSchema.optional(),
  route_id: idSchema.optional(),
  name: z.string().min(1).max(65536).optional(),
  ...metadataShape,
  service_id: idSchema,
  paths: uniqueArray(eePathSchema),
  methods: uniqueArray(methodSchema, 0).optional(),
  vars: z.array(z.unknown()).optional(),
  plugins: pluginsSchema.optional(),
  priority: z.int().optional(),
  timeout: timeoutSchema.optional(),
  enable_websocket: z.boolean().optional(),
  status: z.union([z.literal(1), z.literal(0)]).optional(),
});
export type EeRoute = z.infer<typeof eeRouteSchema>;

/** An API7 EE published service: `type`, `hosts`, `path_prefix`, `strip_path_prefix`, inline `upstream`, `plugins`. */
export const eeServiceSchema = z.strictObject({
  id: idSchema.optional(),
  service_id: idSchema.optional(),
  name: z.string().min(1).max(65536).optional(),
  ...metadataShape,
  type: z.enum(["http", "stream"]).optional(),
  hosts: uniqueArray(hostSchema, 1, 32).optional(),
  path_prefix: eePathSchema.optional(),
  strip_path_prefix: z.boolean().optional(),
  upstream: upstreamSchema.optional(),
  plugins: pluginsSchema.optional(),
  status: z.union([z.literal(1), z.literal(0)]).optional(),
});
export type EeService = z.infer<typeof eeServiceSchema>;
