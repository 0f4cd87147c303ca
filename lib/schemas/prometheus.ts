/**
 * The `prometheus` plugin schema (apisix/plugins/prometheus.lua): an object with an optional boolean `prefer_name`
 * (label routes and services by name instead of id). No `additionalProperties: false`: unknown keys are accepted.
 * The default (`false`) is applied by the embedded gateway when it reads the plugin, never persisted.
 */
import { z } from "zod";

export const prometheusPluginSchema = z.looseObject({
  prefer_name: z.boolean().optional(),
});
export type PrometheusPlugin = z.infer<typeof prometheusPluginSchema>;
