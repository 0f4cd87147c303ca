/**
 * The `plugins` object of routes and services: plugin name → configuration. The schema types `traffic-split` and
 * `prometheus` and accepts any other plugin as an object; which names are known is checked by `checkPlugins` (check-plugins.ts).
 */
import { z } from "zod";
import { pluginConfSchema } from "./common";
import { prometheusPluginSchema } from "./prometheus";
import { trafficSplitSchema } from "./traffic-split";

/** Plugin names the embedded gateway accepts. `traffic-split` and `prometheus` are typed; others are loose objects. */
export const KNOWN_PLUGINS: readonly string[] = [
  "traffic-split",
  "proxy-rewrite",
  "response-rewrite",
  "limit-count",
  "limit-req",
  "limit-conn",
  "key-auth",
  "basic-auth",
  "jwt-auth",
  "prometheus",
  "cors",
  "request-id",
  "ip-restriction",
  "redirect",
  "echo",
  "fault-injection",
  "real-ip",
  "proxy-mirror",
  "api-breaker",
  "consumer-restriction",
  "http-logger",
  "file-logger",
  "gzip",
  "client-control",
  "mocking",
  "zipkin",
  "opentelemetry",
  "uri-blocker",
  "serverless-pre-function",
  "serverless-post-function",
];

/** `plugins`: `{"traffic-split"?: TrafficSplit, prometheus?: PrometheusPlugin, [name]: object}`. */
export const pluginsSchema = z
  .object({
    "traffic-split": trafficSplitSchema.optional(),
    prometheus: prometheusPluginSchema.optional(),
  })
  .catchall(pluginConfSchema);
export type Plugins = z.infer<typeof pluginsSchema>;
