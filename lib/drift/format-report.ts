/**
 * Renders drift reports: human-readable lines (one per finding, grouped per stack, then a summary line) or a
 * machine-readable JSON document. Pure functions; the command prints and redacts.
 */
import { relative } from "node:path";
import { describeDifference } from "../client/drift";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, OWNER_LABEL } from "../model/gateway-request";
import type { Finding, FindingKind, NamedDifference, StackReport } from "./check-stack";
import { HOOK_RESOURCE_TYPE } from "./read-stack";

/** Counts per finding kind (objects, not fields), plus skipped inputs. */
export interface DriftCounts {
  readonly changed: number;
  readonly missing: number;
  readonly unmanaged: number;
  readonly extra: number;
  readonly skipped: number;
}

/** `in-sync`, `drift` (some finding) or `error` (the check did not finish). */
export type StackStatus = "in-sync" | "drift" | "error";

/** The status of one stack report. */
export function statusOf(report: StackReport): StackStatus {
  if (report.error !== undefined) return "error";
  return report.findings.length > 0 ? "drift" : "in-sync";
}

/** Counts of a report's findings. */
export function countsOf(report: StackReport): DriftCounts {
  const count = (kind: FindingKind) => report.findings.filter((f) => f.kind === kind).length;
  return {
    changed: count("changed"),
    missing: count("missing"),
    unmanaged: count("unmanaged"),
    extra: count("extra"),
    skipped: report.skipped.length,
  };
}

/**
 * The `terraform apply` that rewrites the changed and missing objects (and runs the sweep when there are extra
 * objects), from the stack's Terraform directory; undefined when there is nothing to restore. Hooks-engine objects
 * (`terraform_data`) need `-replace=`; the provider engine's (`bluegreen_*`) are read by the plan, which already
 * updates or creates them (replacing one would delete it first).
 */
export function restoreCommand(report: StackReport, cwd: string): string | undefined {
  const restored = report.findings.filter((f) => f.kind === "changed" || f.kind === "missing" || f.kind === "extra");
  if (restored.length === 0) return undefined;
  const replaced = new Set(restored.map((f) => f.address).filter((a) => a.startsWith(`${HOOK_RESOURCE_TYPE}.`)));
  const dir = relative(cwd, report.dir) || ".";
  return `cd ${dir} && terraform apply${[...replaced].map((a) => ` -replace=${a}`).join("")}`;
}

/**
 * Human-readable lines for one stack (stdout). An errored stack yields its header and an `error:` line; the
 * command prints the error itself to stderr.
 */
export function formatStackReport(report: StackReport, cwd: string): string[] {
  const lines = [`stack ${report.stack} (${relative(cwd, report.file) || report.file})`];
  if (report.error !== undefined) {
    lines.push(`error: stack ${report.stack} not checked (see the error on stderr)`);
    return lines;
  }
  for (const finding of report.findings) lines.push(...findingLines(finding));
  for (const s of report.skipped) {
    lines.push(`  ${pad("skipped")}${s.address}${s.constructPath ? ` (${s.constructPath})` : ""}  not compared: ${s.reason}`);
  }
  const restore = restoreCommand(report, cwd);
  if (restore) {
    const deletes = report.findings.some((f) => f.kind === "extra") ? " (this runs the sweep: extra objects are deleted)" : "";
    lines.push(`  to restore the stack's values${deletes}: ${restore}`);
  }
  lines.push(summaryLine(report));
  return lines;
}

/** `drift: 1 changed, 1 missing, 0 unmanaged, 0 extra in stack blue-green` or `no drift: 2 objects match ...`. */
export function summaryLine(report: StackReport): string {
  const c = countsOf(report);
  const skipped = c.skipped > 0 ? `; ${c.skipped} skipped (value known only at apply)` : "";
  if (report.findings.length === 0) {
    const objects = report.inSync === 1 ? "1 object matches" : `${report.inSync} objects match`;
    return `no drift: ${objects} the gateway (stack ${report.stack})${skipped}`;
  }
  return (
    `drift: ${c.changed} changed, ${c.missing} missing, ${c.unmanaged} unmanaged, ${c.extra} extra ` +
    `in stack ${report.stack}${skipped}`
  );
}

function findingLines(f: Finding): string[] {
  const head = `  ${pad(f.kind)}${objectName(f.path)} (${f.constructPath})  `;
  switch (f.kind) {
    case "changed":
      return f.differences.map((d) => `  ${pad(f.kind)}${releaseDifference(d, f.path, f.constructPath)}`);
    case "missing":
      return [`${head}not on the gateway: GET ${f.path} -> 404`];
    case "unmanaged": {
      const next = f.adopt
        ? "the next apply of this object takes it over (adopt: true)"
        : "the next apply of this object refuses to overwrite it (set adopt: true to take it over)";
      return [
        `${head}exists without ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} (labels: ${JSON.stringify(f.labels)}): ` +
          `someone replaced it; ${next}`,
      ];
    }
    case "extra":
      return [
        `${head}carries ${OWNER_LABEL}=${f.owner} but is not declared: the sweep deletes it on the next deploy that ` +
          `changes the set of objects`,
      ];
  }
}

/**
 * `service shop: green weight: gateway 30, stack 0  (plugins.traffic-split.rules[2].weighted_upstreams[0].weight;
 * construct app/shop)`: the release term first, the raw path after it when the term does not already say it.
 */
export function releaseDifference(d: NamedDifference, objectPath: string, constructPath: string): string {
  const values = describeDifference(d).slice(d.field.length); // ": gateway 30, stack 0"
  const object = objectName(objectPath);
  const where = [
    d.term.endsWith(` ${d.field}`) ? undefined : d.field,
    d.term.startsWith(`${object}:`) ? undefined : object,
    `construct ${constructPath}`,
  ];
  return `${d.term}${values}  (${where.filter((w) => w !== undefined).join("; ")})`;
}

/** `route blue-green-route` from `/apisix/admin/routes/blue-green-route?gateway_group_id=default`. */
export function objectName(path: string): string {
  const segments = path.split("?")[0].split("/").filter((s) => s.length > 0);
  const [resource, id] = segments.slice(-2);
  if (id === undefined) return path;
  let decoded = id;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    // keep it encoded
  }
  return `${resource.replace(/s$/, "")} ${decoded}`;
}

function pad(kind: string): string {
  return kind.padEnd(11);
}

/** The JSON form of one field difference: `gateway` is absent when the gateway does not store the field. */
function differenceJson(d: NamedDifference): Record<string, unknown> {
  return d.kind === "absent"
    ? { field: d.field, term: d.term, kind: d.kind, stack: d.declared }
    : { field: d.field, term: d.term, kind: d.kind, gateway: d.live, stack: d.declared };
}

function findingJson(f: Finding): Record<string, unknown> {
  const base = { kind: f.kind, address: f.address, construct_path: f.constructPath, path: f.path };
  switch (f.kind) {
    case "changed":
      return { ...base, differences: f.differences.map(differenceJson) };
    case "missing":
      return base;
    case "unmanaged":
      return { ...base, labels: f.labels, adopt: f.adopt, differences: f.differences.map(differenceJson) };
    case "extra":
      return { ...base, owner: f.owner, resource: f.resource, id: f.id };
  }
}

/** The machine-readable report of every stack (`--json`). */
export function reportJson(reports: readonly StackReport[], cwd: string, exitCode: number): Record<string, unknown> {
  return {
    status: exitCode === 0 ? "in-sync" : exitCode === 2 ? "drift" : "error",
    exit_code: exitCode,
    stacks: reports.map((r) => ({
      stack: r.stack,
      file: r.file,
      status: statusOf(r),
      ...(r.error !== undefined ? { error: r.error } : {}),
      checked: r.checked,
      in_sync: r.inSync,
      counts: countsOf(r),
      findings: r.findings.map(findingJson),
      skipped: r.skipped.map((s) => ({ address: s.address, construct_path: s.constructPath, reason: s.reason })),
      ...(restoreCommand(r, cwd) ? { restore_command: restoreCommand(r, cwd) } : {}),
    })),
  };
}
