/**
 * The traffic of each color in a service body as the model builds it (`buildServiceRequests`), and the same body with
 * other weights. Only the main rule of the `traffic-split` (the first rule without `match`) carries traffic weights;
 * preview rules are left alone.
 *
 * Which color an entry is: `upstream_id` `<serviceId>-<color>-<hash>` (`parseUpstreamId`); on API7 EE an inline
 * `upstream` is green and a weight-only entry is the service's own upstream (blue next to a traffic-split). Without a
 * traffic-split all traffic goes to the service's upstream; its color comes from `colorsWithTraffic`.
 */
import { type Color, COLORS } from "../model/specs";
import { colorsWithTraffic } from "../model/traffic-colors";
import { parseUpstreamId } from "../model/upstream-ids";
import type { Flavor } from "../model/gateway-request";
import { canonicalJson } from "../model/hook-input";

/** Percent of the requests each color gets (summing to 100). */
export type ColorShares = Record<Color, number>;

/** Which service a body belongs to, and how to read it. */
export interface BodyScope {
  readonly flavor: Flavor;
  readonly serviceId: string;
  /** The colors whose nodes are known (a retired API7 EE service names its one color nowhere else). @default both */
  readonly declared?: readonly Color[];
}

/** The share of each color in `body`'s traffic. Throws on a body the model cannot have built. */
export function colorShares(body: Record<string, unknown>, scope: BodyScope): ColorShares {
  const shares: ColorShares = { blue: 0, green: 0 };
  const entries = mainEntries(body);
  if (entries === undefined) {
    shares[defaultColor(body, scope)] = 100;
    return shares;
  }
  const weights = entries.map((e) => ({ color: entryColor(e, body, scope), weight: entryWeight(e) }));
  const total = weights.reduce((n, w) => n + w.weight, 0);
  for (const w of weights) {
    // all weights 0: the gateway's round robin then cycles through every entry equally
    shares[w.color] += total > 0 ? (w.weight / total) * 100 : 100 / weights.length;
  }
  return shares;
}

/** The colors that get traffic, in blue, green order. */
export function colorsOf(shares: ColorShares): Color[] {
  return COLORS.filter((c) => shares[c] > 0);
}

/** `blue 100%`, `blue 90%, green 10%` */
export function describeShares(shares: ColorShares): string {
  return COLORS.filter((c) => shares[c] > 0)
    .map((c) => `${c} ${formatShare(shares[c])}%`)
    .join(", ");
}

/** A share for people: whole numbers as such, else one decimal. */
export function formatShare(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * `body` with the weights of its main traffic-split rule set to `weights` (by color), everything else as it was.
 * Throws when the body has no main rule to set (a service without traffic-split).
 */
export function withColorWeights(
  body: Record<string, unknown>,
  scope: BodyScope,
  weights: Readonly<Record<Color, number>>,
): Record<string, unknown> {
  const copy = structuredClone(body);
  const entries = mainEntries(copy, true);
  if (entries === undefined) {
    throw new Error(`service ${scope.serviceId} has no traffic-split rule without match, so its weights cannot be set`);
  }
  for (const entry of entries) entry.weight = weights[entryColor(entry, copy, scope)];
  return copy;
}

/** Whether `body` has a main traffic-split rule, whose weights `withColorWeights` can set. */
export function hasMainRule(body: Record<string, unknown>): boolean {
  return mainEntries(body) !== undefined;
}

/**
 * What each color's upstream is in `body` (APISIX: its upstream id, which changes with its nodes; API7 EE: the inline
 * upstream's canonical JSON), for the colors the body names, to tell a change of nodes.
 */
export function colorUpstreams(body: Record<string, unknown>, scope: BodyScope): Partial<Record<Color, string>> {
  const out: Partial<Record<Color, string>> = {};
  const own = body.upstream_id ?? body.upstream;
  if (own !== undefined) out[defaultColor(body, scope)] = canonicalJson(own);
  for (const entry of mainEntries(body) ?? []) {
    const upstream = entry.upstream_id ?? entry.upstream;
    if (upstream !== undefined) out[entryColor(entry, body, scope)] = canonicalJson(upstream);
  }
  return out;
}

/**
 * The entries of the main rule (the first without `match`), or undefined without a traffic-split or such a rule. A
 * main rule without `weighted_upstreams` sends everything to the service's own upstream (the plugin's default); with
 * `attach` that default is written into the body, so that setting its weight changes the body.
 */
function mainEntries(body: Record<string, unknown>, attach = false): Record<string, unknown>[] | undefined {
  const rules = asRecord(asRecord(body.plugins)?.["traffic-split"])?.rules;
  if (!Array.isArray(rules)) return undefined;
  const main = rules.map(asRecord).find((r) => r !== undefined && (r.match === undefined || r.match === null));
  if (main === undefined) return undefined;
  let entries = main.weighted_upstreams;
  if (!Array.isArray(entries)) {
    entries = [{ weight: 1 }];
    if (attach) main.weighted_upstreams = entries;
  }
  return (entries as unknown[]).map((e) => {
    const entry = asRecord(e);
    if (entry === undefined) throw new Error(`a weighted_upstreams entry is not an object: ${JSON.stringify(e)}`);
    return entry;
  });
}

function hasSplit(body: Record<string, unknown>): boolean {
  return Array.isArray(asRecord(asRecord(body.plugins)?.["traffic-split"])?.rules);
}

/** The color of the service's own upstream (where weight-only entries, and everything without a split, go). */
function defaultColor(body: Record<string, unknown>, scope: BodyScope): Color {
  // `colorsWithTraffic` of the body without its main rule is the color of its default upstream
  const bare = { upstream_id: body.upstream_id, plugins: { "traffic-split": { rules: hasSplit(body) ? [] : undefined } } };
  const colors = colorsWithTraffic(bare, scope.flavor, scope.serviceId, scope.declared);
  if (colors.length !== 1) {
    throw new Error(
      `cannot tell the color of service ${scope.serviceId}'s own upstream: it names none, and ${colors.join(" and ")} are declared`,
    );
  }
  return colors[0]!;
}

/**
 * The color of entry `entry` of rule `rule` of `body`'s traffic-split (the main rule or a preview rule), or undefined
 * when there is no such entry or the model cannot have written it.
 */
export function ruleEntryColor(body: Record<string, unknown>, scope: BodyScope, rule: number, entry: number): Color | undefined {
  const rules = asRecord(asRecord(body.plugins)?.["traffic-split"])?.rules;
  const entries = asRecord(Array.isArray(rules) ? rules[rule] : undefined)?.weighted_upstreams;
  const found = asRecord(Array.isArray(entries) ? entries[entry] : undefined);
  if (found === undefined) return undefined;
  try {
    return entryColor(found, body, scope);
  } catch {
    return undefined;
  }
}

/** The color of the service's own upstream (`upstream_id` / `upstream`), or undefined when it cannot be told. */
export function ownUpstreamColor(body: Record<string, unknown>, scope: BodyScope): Color | undefined {
  try {
    return defaultColor(body, scope);
  } catch {
    return undefined;
  }
}

function entryColor(entry: Record<string, unknown>, body: Record<string, unknown>, scope: BodyScope): Color {
  if (entry.upstream_id !== undefined) {
    const parsed = parseUpstreamId(entry.upstream_id, scope.serviceId);
    if (parsed === undefined) {
      throw new Error(`upstream_id ${JSON.stringify(entry.upstream_id)} is not a color upstream of service ${scope.serviceId}`);
    }
    return parsed.color;
  }
  if (entry.upstream !== undefined) {
    if (scope.flavor !== "api7-ee") throw new Error("an inline traffic-split upstream names no color on apisix");
    return "green";
  }
  return defaultColor(body, scope);
}

function entryWeight(entry: Record<string, unknown>): number {
  // the plugin's schema default
  return typeof entry.weight === "number" && entry.weight >= 0 ? entry.weight : 1;
}

/** `value` when it is a plain object (not null, not an array). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
