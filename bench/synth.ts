/**
 * 1. Synthesis scaling: wall time and peak memory of a child process that builds and synthesizes a stack of 1, 100
 * and 1,000 routes (10 per service) against the same child building an empty stack.
 */
import path from "node:path";
import { runCommand } from "./lib/proc";
import { type BenchContext, Section } from "./lib/report";
import { median, nowMs } from "./lib/stats";

const SIZES = [1, 100, 1000];
/** Repetitions of one size stop once its samples have taken this long (the size keeps at least one sample). */
const SIZE_BUDGET_MS = 25_000;
const CHILD = path.join(__dirname, "lib", "synth-child.js");

interface ChildResult {
  wallMs: number;
  requireMs: number;
  buildMs: number;
  synthMs: number;
  totalMs: number;
  maxRssKB: number;
  resources: number;
}

async function child(routes: number, mode: "default" | "skip-validation" = "default"): Promise<ChildResult> {
  const r = await runCommand(process.execPath, [CHILD, String(routes), mode], { timeoutMs: 180_000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("SYNTH "));
  if (r.code !== 0 || !line) {
    throw new Error(`synth child (${routes} routes) failed (${r.code}${r.timedOut ? ", timed out" : ""}): ${r.stderr.slice(-1500)}`);
  }
  return { wallMs: r.ms, ...(JSON.parse(line.slice(6)) as Omit<ChildResult, "wallMs">) };
}

export async function runSynth(ctx: BenchContext): Promise<Section> {
  const section = new Section("synth");
  const reps = ctx.quick ? 2 : 5;
  const samples = new Map<number, ChildResult[]>([[0, []], ...SIZES.map((s) => [s, []] as [number, ChildResult[]])]);
  const failed = new Map<number, unknown>();

  // Interleave sizes within each repetition so that drift affects every size alike. A size stops repeating once
  // its samples have used SIZE_BUDGET_MS (at least one sample each), so a slow size cannot blow the 10 min budget.
  const spent = new Map<number, number>();
  // Hard stop well past the section's budget, whatever the sizes cost.
  const hardStop = ctx.deadline + 60_000;
  for (let rep = 0; rep < reps; rep++) {
    if (rep >= 2 && nowMs() > hardStop) break;
    for (const size of [0, ...SIZES]) {
      if (failed.has(size)) continue;
      if (rep > 0 && (spent.get(size) ?? 0) > SIZE_BUDGET_MS) continue;
      try {
        const r = await child(size);
        samples.get(size)!.push(r);
        spent.set(size, (spent.get(size) ?? 0) + r.wallMs);
        ctx.log(`synth ${size} routes: wall ${r.wallMs.toFixed(0)} ms, build+synth ${(r.buildMs + r.synthMs).toFixed(0)} ms, maxRSS ${(r.maxRssKB / 1024).toFixed(0)} MB`);
      } catch (err) {
        failed.set(size, err);
        ctx.log(`synth ${size} routes failed: ${(err as Error).message.split("\n")[0]}`);
      }
    }
  }

  const base = samples.get(0)!;
  if (base.length === 0) {
    section.missing("synth baseline (empty stack)", 0, "-", failed.get(0), "error");
    return section;
  }
  const baseWall = median(base.map((r) => r.wallMs));
  const baseRss = median(base.map((r) => r.maxRssKB)) / 1024;
  section.add({
    benchmark: "synth baseline: empty stack (cdktf start-up)",
    size: 0,
    measured: baseWall,
    unit: "ms",
    note: `node + require(cdktf) + empty App.synth() in a child, median of ${base.length}; peak RSS ${baseRss.toFixed(0)} MB`,
  });

  const work = new Map<number, number>(); // in-child build + synth, ms
  const rss = new Map<number, number>(); // MB
  for (const size of SIZES) {
    const s = samples.get(size)!;
    if (s.length === 0) {
      section.missing("synth wall time", size, size === 1000 ? "extra < 3000 ms" : "-", failed.get(size));
      continue;
    }
    const wall = median(s.map((r) => r.wallMs));
    const extra = wall - baseWall;
    work.set(size, median(s.map((r) => r.buildMs + r.synthMs)));
    rss.set(size, median(s.map((r) => r.maxRssKB)) / 1024);
    section.add({
      benchmark: "synth wall time",
      size: `${size} routes`,
      measured: wall,
      baseline: baseWall,
      unit: "ms",
      target: size === 1000 ? "extra < 3000 ms" : "-",
      pass: size === 1000 ? extra < 3000 : undefined,
      note:
        `extra over empty stack ${extra.toFixed(0)} ms; in-child require(lib) ${median(s.map((r) => r.requireMs)).toFixed(0)} ms, ` +
        `build ${median(s.map((r) => r.buildMs)).toFixed(0)} ms, app.synth() ${median(s.map((r) => r.synthMs)).toFixed(0)} ms; ` +
        `${s[0].resources} terraform_data resources; median of ${s.length}`,
      details: { samples: s },
    });
    section.add({
      benchmark: "synth peak memory (maxRSS)",
      size: `${size} routes`,
      measured: rss.get(size)!,
      baseline: baseRss,
      unit: "MB",
      note: `process.resourceUsage().maxRSS of the child, median of ${s.length}`,
    });
  }

  // Linearity: marginal cost per route from 100 to 1,000 against 1 to 100 (in-child build + synth, so process
  // start-up noise does not enter). Linear growth gives ~1x; quadratic growth would give ~10x.
  if (work.has(1) && work.has(100) && work.has(1000)) {
    const low = (work.get(100)! - work.get(1)!) / 99;
    const high = (work.get(1000)! - work.get(100)!) / 900;
    section.add({
      benchmark: "synth time per route (100->1000 vs 1->100)",
      size: "marginal",
      measured: high,
      baseline: low,
      unit: "ms/route",
      target: "<= 1.5x (linear)",
      pass: high <= 1.5 * low,
      note: "in-child build + app.synth() time; linear growth gives ~1x",
    });
    const mlow = (rss.get(100)! - rss.get(1)!) / 99;
    const mhigh = (rss.get(1000)! - rss.get(100)!) / 900;
    section.add({
      benchmark: "synth memory per route (100->1000 vs 1->100)",
      size: "marginal",
      measured: mhigh * 1024,
      baseline: mlow * 1024,
      unit: "KB/route",
      target: "<= 1.5x (linear)",
      pass: mlow <= 0 ? undefined : mhigh <= 1.5 * mlow,
      note: "child maxRSS; the 1->100 step is small against RSS noise, judge with the 1000-route figure",
    });
  }

  // Diagnostic: how much of the 1,000-route cost is cdktf's per-resource `terraform version` validation.
  if (samples.get(1000)!.length > 0) {
    try {
      const s: ChildResult[] = [];
      const n = ctx.quick || nowMs() > ctx.deadline ? 1 : 3;
      for (let i = 0; i < n; i++) s.push(await child(1000, "skip-validation"));
      const wall = median(s.map((r) => r.wallMs));
      section.add({
        benchmark: "synth wall time, App({skipValidation:true})",
        size: "1000 routes",
        measured: wall,
        baseline: baseWall,
        unit: "ms",
        note: `diagnostic: extra ${(wall - baseWall).toFixed(0)} ms without cdktf validations (DataResource adds a 'terraform version' execSync validation per resource); median of ${s.length}`,
      });
    } catch (err) {
      section.missing("synth wall time, App({skipValidation:true})", "1000 routes", "-", err, "error");
    }
  }
  return section;
}
