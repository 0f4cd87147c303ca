/**
 * The `traffic-split` plugin schema (apisix/plugins/traffic-split.lua 34-101). No `additionalProperties: false`
 * anywhere: unknown keys are accepted silently, exactly like APISIX. `rules` is optional.
 */
import { z } from "zod";
import { idSchema } from "./common";
import { upstreamSchema } from "./upstream";

/** One `match` entry: `{vars: [...]}` (the expression is compiled separately, see check-plugins.ts). */
export const trafficSplitMatchSchema = z.looseObject({
  vars: z.array(z.unknown()).optional(),
});

/** One weighted upstream: `upstream_id` or an inline `upstream`, or neither (the route's own upstream). */
export const weightedUpstreamSchema = z.looseObject({
  upstream_id: idSchema.optional(),
  upstream: upstreamSchema.optional(),
  weight: z.int().min(0).optional(),
});
export type WeightedUpstream = z.infer<typeof weightedUpstreamSchema>;

/** One rule: optional `match` (OR of entries) and 1..20 `weighted_upstreams`. */
export const trafficSplitRuleSchema = z.looseObject({
  match: z.array(trafficSplitMatchSchema).optional(),
  weighted_upstreams: z.array(weightedUpstreamSchema).min(1).max(20).optional(),
});
export type TrafficSplitRule = z.infer<typeof trafficSplitRuleSchema>;

/** The whole plugin configuration. */
export const trafficSplitSchema = z.looseObject({
  rules: z.array(trafficSplitRuleSchema).optional(),
});
export type TrafficSplit = z.infer<typeof trafficSplitSchema>;
