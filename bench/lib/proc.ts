/** Child-process helpers: run-to-completion with timing, long-running servers with a ready line, RSS. */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { nowMs } from "./stats";

/** Long-running children still alive; killed if the bench process exits early. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/** The repository root (dist/bench/lib -> repo). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

export interface RunResult {
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, ms. */
  readonly ms: number;
  /** `nowMs()` at spawn and at exit. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly timedOut: boolean;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the child (SIGKILL) after this long. @default 120000 */
  readonly timeoutMs?: number;
  /** Called right after spawn with the start timestamp. */
  readonly onStart?: (startedAt: number, child: ChildProcess) => void;
  readonly shell?: boolean;
}

/** Runs a command to completion and reports its wall time. Never rejects on non-zero exit. */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      shell: opts.shell ?? false,
    };
    const startedAt = nowMs();
    const child = spawn(cmd, args, spawnOpts);
    live.add(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.on("data", (d: Buffer) => {
      if (stdout.length < 4_000_000) stdout += d.toString();
    });
    child.stderr!.on("data", (d: Buffer) => {
      if (stderr.length < 4_000_000) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 120_000);
    opts.onStart?.(startedAt, child);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      const endedAt = nowMs();
      live.delete(child);
      clearTimeout(timer);
      resolve({ code: code ?? 1, signal, stdout, stderr, ms: endedAt - startedAt, startedAt, endedAt, timedOut });
    });
  });
}

/** A long-running child that printed its ready line. */
export interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The regex match of the ready line. */
  readonly ready: RegExpMatchArray;
  /** Everything the child printed so far. */
  output(): string;
  /** Resident set size in bytes, from /proc/<pid>/status (VmRSS); NaN if unavailable. */
  rss(): number;
  /** SIGTERM, then SIGKILL after 3 s. */
  stop(): Promise<void>;
}

/** Spawns a server and waits until a line on stdout or stderr matches `ready`. */
export function startServer(
  cmd: string,
  args: readonly string[],
  ready: RegExp,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    let out = "";
    let settled = false;
    let exited = false;
    const onData = (d: Buffer) => {
      if (out.length < 1_000_000) out += d.toString();
      if (settled) return;
      const m = out.match(ready);
      if (m) {
        settled = true;
        clearTimeout(timer);
        resolve({
          child,
          pid: child.pid!,
          ready: m,
          output: () => out,
          rss: () => rssOf(child.pid!),
          stop: () =>
            new Promise<void>((res) => {
              if (exited) return res();
              const kill = setTimeout(() => child.kill("SIGKILL"), 3_000);
              child.once("exit", () => {
                clearTimeout(kill);
                res();
              });
              child.kill("SIGTERM");
            }),
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      exited = true;
      live.delete(child);
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${path.basename(cmd)} ${args.join(" ")} exited (${code}) before ready:\n${out.slice(-2000)}`));
      }
    });
    child.on("error", (err) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    const timer = setTimeout(() => {
      if (!settled) {
        settled = true;
        child.kill("SIGKILL");
        reject(new Error(`${path.basename(cmd)} not ready within ${opts.timeoutMs ?? 15_000} ms:\n${out.slice(-2000)}`));
      }
    }, opts.timeoutMs ?? 15_000);
  });
}

/** VmRSS of a process in bytes (Linux), NaN elsewhere. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** VmHWM (peak RSS) of a process in bytes (Linux), NaN elsewhere. */
export function peakRssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = status.match(/^VmHWM:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
