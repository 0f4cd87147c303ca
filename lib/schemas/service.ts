/** APISIX `_M.service` (schema_def.lua 704-732, `additionalProperties: false`); `{}` is valid. */
import { z } from "zod";
import { hostSchema, idSchema, objectMetadataShape, uniqueArray } from "./common";
import { pluginsSchema } from "./plugins";
import { upstreamSchema } from "./upstream";

/** An APISIX service. No required fields. */
export const serviceSchema = z.strictObject({
  ...objectMetadataShape,
  plugins: pluginsSchema.optional(),
  upstream: upstreamSchema.optional(),
  upstream_id: idSchema.optional(),
  script: z.string().min(10).max(102400).optional(),
  enable_websocket: z.boolean().optional(),
  hosts: uniqueArray(hostSchema).optional(),
});
export type Service = z.infer<typeof serviceSchema>;
