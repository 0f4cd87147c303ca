/**
 * The deploy-time inverse of the model: which colors a service body that `buildServiceRequests` built gives traffic.
 * The health gate reads it from the body it is about to write, so that a flip changes only weights in the input.
 */
import type { Flavor } from "./gateway-request";
import { COLORS, type Color } from "./specs";
import { parseUpstreamId, UPSTREAM_HASH_LENGTH, upstreamId } from "./upstream-ids";

/**
 * The colors that a service body (as `buildServiceRequests` builds it) gives traffic, in `COLORS` order: the inverse
 * of the model. With a `traffic-split`, the entries of weight > 0 in its first rule without `match` (the model's last
 * rule; preview rules have a `match` and do not count); without one (or without a match-less rule), the service's
 * default upstream.
 *
 * Colors are read from `upstream_id` (`parseUpstreamId`); on API7 EE an inline entry is green and a
 * weight-only entry is the service's default upstream, which is blue next to a traffic-split. An API7 EE body
 * without a traffic-split (`retireIdle`) carries its one color inline, without a name: it is then the single color
 * in `declared` (the colors whose nodes the caller knows; a retired service declares only the active one), and all
 * of `declared` when there are several, so that no color that may take traffic goes unchecked.
 * Throws on a body the model cannot have built (an unknown `upstream_id`).
 */
export function colorsWithTraffic(
  body: Record<string, unknown>,
  flavor: Flavor,
  serviceId: string,
  declared: readonly Color[] = COLORS,
): Color[] {
  const colorOfId = (id: unknown): Color => {
    const parsed = parseUpstreamId(id, serviceId);
    if (parsed !== undefined) return parsed.color;
    const hex = `<${UPSTREAM_HASH_LENGTH} hex digits>`;
    throw new Error(
      `upstream_id ${JSON.stringify(id)} is not an upstream of service ${serviceId} ` +
        `(expected ${upstreamId(serviceId, "blue", hex)} or ${upstreamId(serviceId, "green", hex)})`,
    );
  };
  const rules = asRecord(asRecord(body.plugins)?.["traffic-split"])?.rules;
  const hasSplit = Array.isArray(rules);
  const defaultColors = (): Color[] => {
    if (body.upstream_id !== undefined) return [colorOfId(body.upstream_id)];
    if (flavor === "api7-ee" && hasSplit) return ["blue"];
    if (declared.length === 0) throw new Error("the service's default upstream names no color and no color is declared");
    return sortColors(declared);
  };
  const main = hasSplit
    ? (rules as unknown[]).map(asRecord).find((r) => r !== undefined && (r.match === undefined || r.match === null))
    : undefined;
  if (main === undefined) return defaultColors();
  const entries = Array.isArray(main.weighted_upstreams) ? main.weighted_upstreams.map(asRecord) : [{ weight: 1 }];
  const out = new Set<Color>();
  for (const entry of entries) {
    if (entry === undefined) continue;
    const weight = typeof entry.weight === "number" ? entry.weight : 1;
    if (!(weight > 0)) continue;
    if (entry.upstream_id !== undefined) out.add(colorOfId(entry.upstream_id));
    else if (entry.upstream !== undefined) {
      if (flavor !== "api7-ee") throw new Error("an inline traffic-split upstream names no color on apisix");
      out.add("green");
    } else for (const color of defaultColors()) out.add(color);
  }
  return sortColors([...out]);
}

function sortColors(colors: readonly Color[]): Color[] {
  return COLORS.filter((c) => colors.includes(c));
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
