/**
 * Plugin checks as `apisix/plugin.lua` runs them (1001-1030): unknown names are refused, each configuration goes
 * through its plugin's check (traffic-split also compiles every `match[].vars`; prometheus checks `prefer_name`).
 */
import { compileVars } from "../expr/vars";
import { formatZodError, jsonTypeName } from "./format-issue";
import { KNOWN_PLUGINS } from "./plugins";
import { prometheusPluginSchema } from "./prometheus";
import { trafficSplitSchema } from "./traffic-split";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Compiles a `vars` expression; returns `failed to validate the 'vars' expression: <msg>` or undefined. */
export function checkVars(vars: unknown): string | undefined {
  if (vars === undefined || vars === null) return "failed to validate the 'vars' expression: missing argument rule";
  try {
    compileVars(vars);
    return undefined;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return `failed to validate the 'vars' expression: ${msg}`;
  }
}

/** The traffic-split `check_schema`: the JSON schema, then every `rules[].match[].vars` compiled. */
export function checkTrafficSplit(conf: unknown): string | undefined {
  const parsed = trafficSplitSchema.safeParse(conf, { reportInput: true });
  if (!parsed.success) return formatZodError(parsed.error);
  for (const rule of parsed.data.rules ?? []) {
    for (const m of rule.match ?? []) {
      const err = checkVars(m.vars);
      if (err) return err;
    }
  }
  return undefined;
}

/** The prometheus `check_schema`: the JSON schema only. */
export function checkPrometheusPlugin(conf: unknown): string | undefined {
  const parsed = prometheusPluginSchema.safeParse(conf, { reportInput: true });
  return parsed.success ? undefined : formatZodError(parsed.error);
}

/** The plugins whose configuration is checked in depth; the others only have to be objects. */
const PLUGIN_CHECKS: Readonly<Record<string, (conf: unknown) => string | undefined>> = {
  "traffic-split": checkTrafficSplit,
  prometheus: checkPrometheusPlugin,
};

/** Checks every entry of a `plugins` object; returns the first error message in APISIX's wording, or undefined. */
export function checkPlugins(plugins: unknown): string | undefined {
  if (!isRecord(plugins)) return undefined;
  for (const [name, conf] of Object.entries(plugins)) {
    if (!KNOWN_PLUGINS.includes(name)) return `unknown plugin [${name}]`;
    const err = isRecord(conf) ? PLUGIN_CHECKS[name]?.(conf) : `wrong type: expected object, got ${jsonTypeName(conf)}`;
    if (err) return `failed to check the configuration of plugin ${name} err: ${err}`;
  }
  return undefined;
}
