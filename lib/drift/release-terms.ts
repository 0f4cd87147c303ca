/**
 * Names an object field in release terms for `bluegreen drift`: `service shop: green weight` for
 * `plugins.traffic-split.rules[2].weighted_upstreams[0].weight`, `service shop: green nodes[0].port` for a color's
 * upstream object, `route shop: uris`. Read from the declared body, the way the model writes it.
 */
import type { Flavor } from "../model/gateway-request";
import { COLORS } from "../model/specs";
import { ownUpstreamColor, ruleEntryColor } from "../release/weights";
import { objectName } from "./format-report";

const SPLIT_ENTRY = /^plugins\.traffic-split\.rules\[(\d+)\]\.weighted_upstreams\[(\d+)\](?:\.(\w+))?/;
const COLOR_UPSTREAM_ID = new RegExp(`^(.+)-(${COLORS.join("|")})-[0-9a-f]{8}$`);

/** `service shop: green weight`, or `<object name>: <field>` when the field has no release meaning. */
export function releaseTerm(objectPath: string, body: Record<string, unknown>, flavor: Flavor, field: string): string {
  const name = objectName(objectPath);
  const [kind, id] = [name.slice(0, name.indexOf(" ")), name.slice(name.indexOf(" ") + 1)];
  if (kind === "service") {
    const scope = { flavor, serviceId: id };
    const split = SPLIT_ENTRY.exec(field);
    if (split !== null) {
      const [rule, entry] = [Number(split[1]), Number(split[2])];
      const color = ruleEntryColor(body, scope, rule, entry);
      const rules = (body.plugins as { "traffic-split": { rules: Array<{ match?: unknown }> } })["traffic-split"].rules;
      const preview = rules[rule]?.match !== undefined ? "preview " : "";
      const what = split[3] === "weight" ? "weight" : "upstream";
      if (color !== undefined) return `service ${id}: ${preview}${color} ${what}`;
    }
    if (/^upstream(_id)?\b/.test(field)) {
      const color = ownUpstreamColor(body, scope);
      if (color !== undefined) return `service ${id}: ${color} upstream (the service's own)`;
    }
    return `service ${id}: ${field}`;
  }
  if (kind === "upstream") {
    const m = COLOR_UPSTREAM_ID.exec(id);
    if (m !== null) return `service ${m[1]}: ${m[2]} ${field}`;
  }
  return `${name}: ${field}`;
}
