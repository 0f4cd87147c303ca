/**
 * The access phase of APISIX's `traffic-split` plugin (apisix/plugins/traffic-split.lua `_M.access`):
 * rules in order, first match wins; OR across `match[]` entries, AND inside one `vars`; a rule without `match`
 * matches everything; `match: []` keeps the previous `match_passed` (true only on the first rule); no rules or no
 * match → no-op. Every visited rule first checks that its `upstream_id`s exist (else 500). The chosen
 * `weighted_upstreams` are picked with resty.roundrobin; picker state lives as long as the compiled config version.
 */
import { createRoundRobin, type RoundRobin } from "./balancer";
import { asArray, asId, asNumber, asObject, type Obj } from "./data-plane-values";
import { compileVars, evaluateVars, varsVariables, VarsError, type CompiledVars, type VarLookup } from "../expr/vars";

/** The fields set_upstream keeps from an inline `weighted_upstreams[].upstream`. */
const INLINE_UPSTREAM_FIELDS = ["name", "type", "hash_on", "pass_host", "upstream_host", "key", "nodes", "timeout", "scheme"];

/** What the plugin decided for one request. */
export type SplitDecision =
  | { readonly kind: "none" }
  | { readonly kind: "route-upstream" }
  | { readonly kind: "inline"; readonly upstream: Obj }
  | { readonly kind: "upstream-id"; readonly id: string }
  | { readonly kind: "error"; readonly status: number; readonly body: string | undefined };

/** A compiled traffic-split configuration (one per route per config version). */
export interface CompiledTrafficSplit {
  decide(vars: VarLookup): SplitDecision;
  /** True when some `vars` reads `post_arg_*`. */
  readonly needsBody: boolean;
}

type Match = { readonly vars: CompiledVars } | { readonly error: string };

type PickKey = { readonly kind: "id"; readonly id: string } | { readonly kind: "inline"; readonly upstream: Obj } | { readonly kind: "empty" };

interface Rule {
  /** The first `upstream_id` of this rule that does not exist in the config. */
  readonly missingUpstreamId: string | undefined;
  readonly matches: readonly Match[] | undefined;
  readonly picker: RoundRobin<PickKey> | undefined;
}

const NONE: SplitDecision = { kind: "none" };
const ROUTE_UPSTREAM: SplitDecision = { kind: "route-upstream" };
const INTERNAL_ERROR: SplitDecision = { kind: "error", status: 500, body: undefined };

/**
 * Compiles the plugin configuration. `upstreamExists` answers for `weighted_upstreams[].upstream_id`.
 * Returns undefined when the plugin is absent or disabled (`_meta.disable`).
 */
export function compileTrafficSplit(conf: unknown, upstreamExists: (id: string) => boolean): CompiledTrafficSplit | undefined {
  const obj = asObject(conf);
  if (!obj) return undefined;
  if (asObject(obj._meta)?.disable === true) return undefined;
  const rulesValue = obj.rules;
  if (rulesValue === undefined || rulesValue === null) return { needsBody: false, decide: () => NONE };
  const rawRules = asArray(rulesValue) ?? [];
  let needsBody = false;
  const rules: Rule[] = rawRules.map((raw) => {
    const rule = compileRule(asObject(raw) ?? {}, upstreamExists);
    for (const m of rule.matches ?? []) {
      if ("vars" in m && varsVariables(m.vars).some((v) => v.startsWith("post_arg"))) needsBody = true;
    }
    return rule;
  });
  return { needsBody, decide: (vars) => decide(rules, vars) };
}

function decide(rules: readonly Rule[], vars: VarLookup): SplitDecision {
  let matchPassed = true;
  let chosen: Rule | undefined;
  for (const rule of rules) {
    if (rule.missingUpstreamId !== undefined) {
      return { kind: "error", status: 500, body: `failed to fetch upstream info by upstream id: ${rule.missingUpstreamId}` };
    }
    if (!rule.matches) {
      matchPassed = true;
      chosen = rule;
      break;
    }
    for (const m of rule.matches) {
      if ("error" in m) return { kind: "error", status: 500, body: m.error };
      matchPassed = evaluateVars(m.vars, vars);
      if (matchPassed) break;
    }
    if (matchPassed) {
      chosen = rule;
      break;
    }
  }
  if (!matchPassed) return NONE;
  // `rules: []` leaves weighted_upstreams nil: a Lua error in APISIX.
  if (!chosen || !chosen.picker) return INTERNAL_ERROR;
  const key = chosen.picker.next();
  if (key.kind === "inline") return { kind: "inline", upstream: key.upstream };
  if (key.kind === "id") return { kind: "upstream-id", id: key.id };
  return ROUTE_UPSTREAM;
}

function compileRule(rule: Obj, upstreamExists: (id: string) => boolean): Rule {
  const weighted = asArray(rule.weighted_upstreams) ?? [{ weight: 1 }];
  let missingUpstreamId: string | undefined;
  for (const w of weighted) {
    const id = asId(asObject(w)?.upstream_id);
    if (id !== undefined && missingUpstreamId === undefined && !upstreamExists(id)) missingUpstreamId = id;
  }
  const matchValue = rule.match;
  const matches = matchValue === undefined || matchValue === null ? undefined : (asArray(matchValue) ?? []).map(compileMatch);
  return { missingUpstreamId, matches, picker: buildPicker(weighted) };
}

function compileMatch(entry: unknown): Match {
  try {
    return { vars: compileVars(asObject(entry)?.vars) };
  } catch (err) {
    return { error: err instanceof VarsError ? err.message : String(err) };
  }
}

/** `new_rr_obj`: keys are the upstream_id, the inline upstream, or one shared "empty" key; duplicates collapse, last weight wins. */
function buildPicker(weighted: readonly unknown[]): RoundRobin<PickKey> | undefined {
  const byKey = new Map<unknown, { key: PickKey; weight: number }>();
  for (const raw of weighted) {
    const w = asObject(raw) ?? {};
    const weight = asNumber(w.weight, 1);
    const id = asId(w.upstream_id);
    const inline = asObject(w.upstream);
    if (id !== undefined) setEntry(byKey, `id:${id}`, { kind: "id", id }, weight);
    else if (inline) setEntry(byKey, inline, { kind: "inline", upstream: pickInlineFields(inline) }, weight);
    else setEntry(byKey, "empty", { kind: "empty" }, weight);
  }
  if (byKey.size === 0) return undefined;
  return createRoundRobin([...byKey.values()].map(({ key, weight }) => ({ key, weight })));
}

function setEntry(map: Map<unknown, { key: PickKey; weight: number }>, mapKey: unknown, key: PickKey, weight: number): void {
  const existing = map.get(mapKey);
  if (existing) existing.weight = weight;
  else map.set(mapKey, { key, weight });
}

function pickInlineFields(upstream: Obj): Obj {
  const out: Record<string, unknown> = {};
  for (const f of INLINE_UPSTREAM_FIELDS) if (upstream[f] !== undefined) out[f] = upstream[f];
  return Object.freeze(out);
}
