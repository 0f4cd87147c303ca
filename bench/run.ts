/**
 * `npm run bench`: runs every section (or `--only synth,flip,deploy,downtime,dataplane,release,engines`), prints one table and writes
 * `bench/results/latest.json`. Every figure is compared with a baseline measured in the same run; medians of
 * repeated runs. Loopback only; each section is bounded in count and time (total < 10 min on 2 cores).
 */
import { rmSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { runDataPlane } from "./data-plane";
import { runDowntime } from "./downtime";
import { runEngines } from "./engines";
import { runDeploy, runFlip } from "./flip";
import { REPO_ROOT } from "./lib/proc";
import { type BenchContext, formatTable, machineInfo, type Row, Section, writeResults } from "./lib/report";
import { nowMs } from "./lib/stats";
import { terraformVersion } from "./lib/terraform";
import { runRelease } from "./release";
import { runSynth } from "./synth";

/** Section name -> runner and its time budget (ms) after which loops stop repeating. */
const SECTIONS: Record<string, { run: (ctx: BenchContext) => Promise<Section>; budgetMs: number }> = {
  synth: { run: runSynth, budgetMs: 90_000 },
  flip: { run: runFlip, budgetMs: 120_000 },
  deploy: { run: runDeploy, budgetMs: 90_000 },
  downtime: { run: runDowntime, budgetMs: 60_000 },
  dataplane: { run: runDataPlane, budgetMs: 100_000 },
  release: { run: runRelease, budgetMs: 60_000 },
  engines: { run: runEngines, budgetMs: 180_000 },
};

const USAGE = `usage: node dist/bench/run.js [--only ${Object.keys(SECTIONS).join(",")}] [--quick]
  --only   comma-separated sections (default: all; "flip" is the apply benchmarks, "deploy" the cdktf deploy, "engines" provider vs hooks)
  --quick  fewer repetitions (development only; figures are noisier)
`;

/** Removes workspaces left behind by earlier interrupted runs. */
function sweepStaleWorkspaces(): void {
  const e2e = path.join(REPO_ROOT, ".e2e");
  try {
    for (const d of readdirSync(e2e)) {
      const m = d.match(/^bench-.*?-(\d+)(-\d+)?$/);
      if (!m) continue;
      const pid = Number(m[1]);
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
      if (!alive) rmSync(path.join(e2e, d), { recursive: true, force: true });
    }
  } catch {
    // no .e2e yet
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const wanted = values.only
    ? values.only.split(",").map((s) => s.trim().toLowerCase().replace(/[-_ ]/g, "")).filter(Boolean)
    : Object.keys(SECTIONS);
  const unknown = wanted.filter((s) => !(s in SECTIONS));
  if (unknown.length) {
    process.stderr.write(`unknown section(s): ${unknown.join(", ")}\n${USAGE}`);
    return 2;
  }
  sweepStaleWorkspaces();
  const machine = machineInfo(await terraformVersion());
  process.stderr.write(`bench: ${machine.cpu}, ${machine.cores} cores, ${machine.totalMemoryMB} MB, node ${machine.node}, ${machine.terraform}\n`);

  const started = nowMs();
  const rows: Row[] = [];
  for (const name of wanted) {
    const spec = SECTIONS[name];
    const t0 = nowMs();
    const ctx: BenchContext = {
      log: (msg) => process.stderr.write(`  [${name} +${((nowMs() - t0) / 1000).toFixed(1)}s] ${msg}\n`),
      deadline: t0 + spec.budgetMs,
      quick: values.quick ?? false,
    };
    process.stderr.write(`bench: ${name}...\n`);
    try {
      rows.push(...(await spec.run(ctx)).rows);
    } catch (err) {
      const s = new Section(name);
      s.missing(name, "-", "-", err, "error");
      rows.push(...s.rows);
    }
    process.stderr.write(`bench: ${name} done in ${((nowMs() - t0) / 1000).toFixed(1)} s\n`);
  }
  const durationMs = nowMs() - started;
  const loadAverageAtEnd = os.loadavg();
  const file = writeResults({ machine, sections: wanted, durationMs, loadAverageAtEnd, rows });
  const la = (xs: number[]) => xs.map((x) => x.toFixed(2)).join("/");
  process.stdout.write(
    `\n${machine.cpu} | ${machine.cores} cores | ${machine.totalMemoryMB} MB | node ${machine.node} | ${machine.terraform} | ${machine.date}\n` +
      `load average at start ${la(machine.loadAverageAtStart)}, at end ${la(loadAverageAtEnd)} (other processes on the machine skew the figures)\n\n`,
  );
  process.stdout.write(formatTable(rows) + "\n");
  const counts = rows.reduce<Record<string, number>>((acc, r) => ((acc[r.status] = (acc[r.status] ?? 0) + 1), acc), {});
  process.stdout.write(
    `\n${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}; total ${(durationMs / 1000).toFixed(0)} s; wrote ${path.relative(REPO_ROOT, file)}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
