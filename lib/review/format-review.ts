/**
 * Renders a review: text (one line per service and route, then node changes and the revert line), markdown (a
 * pull-request comment: one table row per color with before and after) or a JSON document.
 */
import { type Color, COLORS } from "../model/specs";
import { type ColorShares, formatShare } from "../release/weights";
import { type ReviewReport, type RouteReview, type ServiceReview, describeRoute } from "./compare";

/** `blue 100% -> 0%, green 0% -> 100%` (colors whose share changes first; both when a share changes). */
export function trafficPhrase(before: ColorShares | undefined, after: ColorShares | undefined): string {
  const show = (s: ColorShares | undefined, c: Color) => (s === undefined ? "?" : `${formatShare(s[c])}%`);
  if (before === undefined || after === undefined) return COLORS.map((c) => `${c} ${show(after ?? before, c)}`).join(", ");
  return COLORS.map((c) => (before[c] === after[c] ? `${c} ${show(after, c)}` : `${c} ${show(before, c)} -> ${show(after, c)}`)).join(", ");
}

function serviceDetails(s: ServiceReview): string {
  const parts = [
    s.routes.length > 0 ? `routes ${s.routes.join("; ")}` : "no routes",
    s.preview !== undefined ? `preview ${s.preview}` : undefined,
    s.healthGate !== undefined ? `health gate ${s.healthGate}` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join("; ");
}

function serviceLine(s: ServiceReview): string {
  const what =
    s.change === "added"
      ? `added, ${trafficPhrase(undefined, s.after)}`
      : s.change === "removed"
        ? `removed (was ${trafficPhrase(s.before, undefined)})`
        : s.change === "unchanged"
          ? `no change (${trafficPhrase(s.after, s.after)})`
          : trafficPhrase(s.before, s.after);
  return `service ${s.id}: ${what} (${serviceDetails(s)})`;
}

function nodeLines(s: ServiceReview): string[] {
  return COLORS.flatMap((c) => {
    const n = s.nodes[c];
    if (n === undefined) return [];
    return [`${c} nodes: ${[...n.added.map((x) => `+ ${x}`), ...n.removed.map((x) => `- ${x}`)].join(", ")}`];
  });
}

function routeLine(r: RouteReview): string {
  const target = (state = r.after ?? r.before) => `${describeRoute(state!)}${state?.service ? ` -> service ${state.service}` : ""}`;
  switch (r.change) {
    case "added":
      return `route ${r.id}: added (${target()})`;
    case "removed":
      return `route ${r.id}: removed (was ${target(r.before)})`;
    case "changed":
      return `route ${r.id}: ${target(r.before)} -> ${target(r.after)}`;
    case "unchanged":
      return `route ${r.id}: no change (${target()})`;
  }
}

/** One line on what reverting the change (git revert + deploy) would do. */
export function revertLine(report: ReviewReport): string {
  if (!report.changed) return "nothing to revert: the deploy changes nothing";
  const parts: string[] = [];
  for (const s of report.services) {
    if (s.change === "changed" && s.before !== undefined) parts.push(`service ${s.id} back to ${trafficPhrase(s.before, s.before)}`);
    if (s.change === "added") parts.push(`service ${s.id} removed again`);
    if (s.change === "removed") parts.push(`service ${s.id} written back`);
  }
  for (const r of report.routes) {
    if (r.change === "added") parts.push(`route ${r.id} removed again`);
    if (r.change === "removed") parts.push(`route ${r.id} written back`);
    if (r.change === "changed") parts.push(`route ${r.id} back to ${describeRoute(r.before!)}`);
  }
  return `reverting this change (git revert, then deploy): ${parts.join("; ")}`;
}

/** The text report. */
export function reviewText(report: ReviewReport, baseName: string): string[] {
  const lines = [`bluegreen review: the stacks compared with ${baseName}`];
  for (const s of report.services) {
    lines.push(serviceLine(s));
    for (const l of nodeLines(s)) lines.push(`  ${l}`);
  }
  for (const r of report.routes) lines.push(routeLine(r));
  lines.push(revertLine(report));
  return lines;
}

/** The markdown report, for a pull-request comment. */
export function reviewMarkdown(report: ReviewReport, baseName: string): string[] {
  const lines = [`### bluegreen review`, "", `Compared with ${baseName}.`, ""];
  if (report.services.length > 0) {
    lines.push("| service | color | before | after | nodes |", "| --- | --- | --- | --- | --- |");
    for (const s of report.services) {
      for (const c of COLORS) {
        const n = s.nodes[c];
        const nodes = n === undefined ? "" : [...n.added.map((x) => `+ ${x}`), ...n.removed.map((x) => `- ${x}`)].join(", ");
        const share = (v: ColorShares | undefined) => (v === undefined ? "—" : `${formatShare(v[c])}%`);
        const mark = s.before?.[c] !== s.after?.[c] ? "**" : "";
        lines.push(`| ${s.id} | ${c} | ${share(s.before)} | ${mark}${share(s.after)}${mark} | ${code(nodes)} |`);
      }
    }
    lines.push("");
  }
  for (const s of report.services) lines.push(`- ${serviceLine(s).replace(/^service (\S+):/, "service `$1`:")}`);
  for (const r of report.routes) lines.push(`- ${routeLine(r).replace(/^route (\S+):/, "route `$1`:")}`);
  lines.push("", `**Revert:** ${revertLine(report)}`);
  return lines;
}

/** The JSON document (`--format json`). */
export function reviewJson(report: ReviewReport, baseName: string, exitCode: number): Record<string, unknown> {
  return {
    status: exitCode === 0 ? "no-changes" : exitCode === 2 ? "changes" : "error",
    exit_code: exitCode,
    base: baseName,
    services: report.services.map((s) => ({
      id: s.id,
      change: s.change,
      traffic: { before: s.before ?? null, after: s.after ?? null },
      nodes: s.nodes,
      routes: s.routes,
      preview: s.preview ?? null,
      health_gate: s.healthGate ?? null,
      summary: serviceLine(s),
    })),
    routes: report.routes.map((r) => ({ id: r.id, change: r.change, before: r.before ?? null, after: r.after ?? null, summary: routeLine(r) })),
    revert: revertLine(report),
  };
}

function code(text: string): string {
  return text === "" ? "" : `\`${text}\``;
}
