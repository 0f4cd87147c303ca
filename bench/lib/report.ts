/** Result rows, the printed table and `bench/results/latest.json`. */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./proc";
import { median, round } from "./stats";

export type Status = "pass" | "fail" | "info" | "pending" | "error";

/** One line of the table. `measured`/`baseline` are in `unit`; `ratio` = measured / baseline. */
export interface Row {
  readonly section: string;
  readonly benchmark: string;
  readonly size: string;
  readonly measured: number | null;
  readonly baseline: number | null;
  readonly unit: string;
  readonly ratio: number | null;
  /** Human-readable target, e.g. "<= 1.25x" or "< 3000 ms". */
  readonly target: string;
  readonly status: Status;
  /** What exactly was compared, raw samples, reasons for pending. */
  readonly note?: string;
  readonly details?: Record<string, unknown>;
}

export interface RowInput {
  benchmark: string;
  size: string | number;
  measured: number | null;
  baseline?: number | null;
  unit: string;
  target?: string;
  /** pass/fail decision; omitted = info row. */
  pass?: boolean;
  note?: string;
  details?: Record<string, unknown>;
}

/** Collects the rows of one section. */
export class Section {
  readonly rows: Row[] = [];
  constructor(readonly name: string) {}

  add(r: RowInput): Row {
    const baseline = r.baseline ?? null;
    const ratio = r.measured !== null && baseline !== null && baseline !== 0 ? r.measured / baseline : null;
    const row: Row = {
      section: this.name,
      benchmark: r.benchmark,
      size: String(r.size),
      measured: r.measured,
      baseline,
      unit: r.unit,
      ratio,
      target: r.target ?? "-",
      status: r.pass === undefined ? "info" : r.pass ? "pass" : "fail",
      note: r.note,
      details: r.details,
    };
    this.rows.push(row);
    return row;
  }

  /** A measurement that cannot run yet (a part has not landed) or failed. */
  missing(benchmark: string, size: string | number, target: string, err: unknown, status: Status = "pending"): Row {
    const msg = err instanceof Error ? err.message : String(err);
    const row: Row = {
      section: this.name,
      benchmark,
      size: String(size),
      measured: null,
      baseline: null,
      unit: "",
      ratio: null,
      target,
      status,
      note: msg.split("\n").slice(0, 6).join(" | ").slice(0, 600),
    };
    this.rows.push(row);
    return row;
  }
}

function fmt(x: number | null, unit: string): string {
  if (x === null || !Number.isFinite(x)) return "-";
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return `${x.toFixed(digits)}${unit ? " " + unit : ""}`;
}

/** The table printed at the end of a run. */
export function formatTable(rows: readonly Row[]): string {
  const header = ["section", "benchmark", "size", "measured", "baseline", "ratio", "target", "result"];
  const body = rows.map((r) => [
    r.section,
    r.benchmark,
    r.size,
    fmt(r.measured, r.unit),
    fmt(r.baseline, r.unit),
    r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
    r.target,
    r.status.toUpperCase(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  const notes = rows
    .map((r, i) => (r.note ? `  [${i + 1}] ${r.benchmark} (${r.size}): ${r.note}` : ""))
    .filter(Boolean);
  return [line(header), sep, ...body.map(line), "", "notes:", ...notes].join("\n");
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  totalMemoryMB: number;
  platform: string;
  node: string;
  terraform: string;
  date: string;
  /** 1/5/15-minute load averages when the run started (other work on the machine skews every figure). */
  loadAverageAtStart: number[];
}

export function machineInfo(terraform: string): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    terraform,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg(),
  };
}

function clean(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? round(v, 3) : null;
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = clean(x);
    return out;
  }
  return v;
}

export const RESULTS_FILE = path.join(REPO_ROOT, "bench", "results", "latest.json");

export function writeResults(data: {
  machine: MachineInfo;
  sections: string[];
  durationMs: number;
  loadAverageAtEnd: number[];
  rows: readonly Row[];
}): string {
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(clean(data), null, 2) + "\n");
  return RESULTS_FILE;
}

/** Passed to every section. */
export interface BenchContext {
  /** Progress line on stderr. */
  log(msg: string): void;
  /** `nowMs()` by which the section should wrap up (loops check it). */
  readonly deadline: number;
  /** Fewer repetitions, for development runs. */
  readonly quick: boolean;
}

/**
 * A row of the medians of two series of wall times, `ours` against `baseline`: judged `<= target x` when there is a
 * target, an info row otherwise. Both series go into the row's details.
 */
export function ratioRow(
  section: Section,
  r: { benchmark: string; size: string; ours: number[]; baseline: number[]; target?: number; note: string; details?: Record<string, unknown> },
): void {
  const m = median(r.ours);
  const b = median(r.baseline);
  section.add({
    benchmark: r.benchmark,
    size: r.size,
    measured: m,
    baseline: b,
    unit: "ms",
    ...(r.target === undefined ? {} : { target: `<= ${r.target}x`, pass: m <= r.target * b }),
    note: r.note,
    details: { ours: r.ours, baseline: r.baseline, ...r.details },
  });
}
