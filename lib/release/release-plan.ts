/**
 * What a service write is, from the body the gateway holds and the body about to be written:
 *
 * - `create`: no service yet (nothing live to move from): one verified write.
 * - `move`: a color's share rises (a flip, a canary step, a revert): a release through the `steps` strictly between
 *   its share now and its declared share, each step and the declared weights watched.
 * - `nodes`: no share moves but a color that takes traffic gets other nodes: the declared weights are watched.
 * - `plain`: nothing that takes traffic changes (labels, names, an idle color's nodes): one verified write.
 */
import { type Color, COLORS } from "../model/specs";
import { canonicalJson } from "../model/hook-input";
import { type BodyScope, type ColorShares, colorShares, colorsOf, colorUpstreams, hasMainRule, asRecord } from "./weights";

/** One write of a release: the share of the gaining color, and whether it is the declared body itself. */
export interface ReleaseStep {
  /** Percent of traffic on the gaining color (the watched color for a node change). */
  readonly percent: number;
  /** The declared body (the last step); earlier steps are the declared body with other weights. */
  readonly final: boolean;
}

export type ReleasePlan =
  | { readonly kind: "create" }
  | { readonly kind: "plain"; readonly from: ColorShares; readonly to: ColorShares }
  | {
      readonly kind: "move" | "nodes";
      readonly from: ColorShares;
      readonly to: ColorShares;
      /** The color whose share rises (`move`), or the first color whose nodes changed (`nodes`). */
      readonly gaining: Color;
      /** The colors whose traffic is analysed: the gaining one and any other that takes traffic on new nodes. */
      readonly watched: readonly Color[];
      readonly steps: readonly ReleaseStep[];
    };

/** Shares closer than this are the same (rounding of weights that do not sum to 100). */
const SAME_SHARE = 1e-9;

/**
 * The plan of writing `body` over `before` (undefined: no service yet). `steps` are the configured percentages;
 * a body without a traffic-split cannot carry intermediate weights, so it is written in one step (still watched).
 */
export function planRelease(
  before: Record<string, unknown> | undefined,
  body: Record<string, unknown>,
  scope: BodyScope,
  steps: readonly number[],
): ReleasePlan {
  if (before === undefined) return { kind: "create" };
  const from = colorShares(before, scope);
  const to = colorShares(body, scope);
  const oldUpstreams = colorUpstreams(before, scope);
  const newUpstreams = colorUpstreams(body, scope);
  const changed = colorsOf(to).filter((c) => oldUpstreams[c] !== newUpstreams[c]);
  const gaining = COLORS.find((c) => to[c] > from[c] + SAME_SHARE);
  if (gaining === undefined && changed.length === 0) return { kind: "plain", from, to };
  const watchedColor = gaining ?? changed[0]!;
  const watched = [watchedColor, ...changed.filter((c) => c !== watchedColor)];
  const final: ReleaseStep = { percent: to[watchedColor], final: true };
  if (gaining === undefined) return { kind: "nodes", from, to, gaining: watchedColor, watched, steps: [final] };
  const between = hasMainRule(body) ? steps.filter((s) => s > from[gaining] + SAME_SHARE && s < to[gaining] - SAME_SHARE) : [];
  return {
    kind: "move",
    from,
    to,
    gaining,
    watched,
    steps: [...between.map((percent) => ({ percent, final: false })), final],
  };
}

/** The weights of step `percent` of `gaining`: the rest to the other color. */
export function stepWeights(gaining: Color, percent: number): Record<Color, number> {
  return gaining === "green" ? { green: percent, blue: 100 - percent } : { blue: percent, green: 100 - percent };
}

/**
 * The body that lets the preview header reach the colors as `body` declares them while traffic stays as in `before`:
 * `before` with the preview rules (rules with `match`) of `body` in front of its own main rule. Undefined when
 * `before` already has those preview rules (nothing to write before the preview checks). On API7 EE a weight-only
 * preview entry (blue) still reaches `before`'s own upstream.
 */
export function previewBody(before: Record<string, unknown>, body: Record<string, unknown>): Record<string, unknown> | undefined {
  const wanted = previewRules(body);
  if (canonicalJson(previewRules(before)) === canonicalJson(wanted)) return undefined;
  const copy = structuredClone(before);
  const plugins = (asRecord(copy.plugins) ?? {}) as Record<string, unknown>;
  const split = asRecord(plugins["traffic-split"]) ?? {};
  const rest = Array.isArray(split.rules) ? split.rules.filter((r) => !isPreviewRule(r)) : [];
  copy.plugins = { ...plugins, "traffic-split": { ...split, rules: [...structuredClone(wanted), ...rest] } };
  return copy;
}

function previewRules(body: Record<string, unknown>): unknown[] {
  const rules = asRecord(asRecord(body.plugins)?.["traffic-split"])?.rules;
  return Array.isArray(rules) ? rules.filter(isPreviewRule) : [];
}

function isPreviewRule(rule: unknown): boolean {
  const r = asRecord(rule);
  return r !== undefined && r.match !== undefined && r.match !== null;
}
