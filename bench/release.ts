/**
 * 7. Release overhead: a flip of one service with `release` (one step of 50%, 1 s windows, one check) against the
 * same flip without it, interleaved; the overhead is the difference minus the configured windows (two: the step and
 * the final weights). Target: at most 2 s (issue 9). `node dist/bench/run.js --only release`.
 */
import { startBackend } from "./lib/backend";
import { ADMIN_KEY, startBenchGateway } from "./lib/gateway";
import type { Color } from "../lib";
import { loadLibrary, synthStack, type LibraryApi, type StackSpec } from "./lib/library";
import { type BenchContext, Section } from "./lib/report";
import { median, nowMs } from "./lib/stats";
import { Workspace } from "./lib/terraform";

/** The release measured: its windows are `(steps + 1) * stepIntervalSec`. */
const RELEASE = { steps: [50], stepIntervalSec: 1, checks: [{ path: "/s0/r0" }] } as const;
const WINDOWS_MS = (RELEASE.steps.length + 1) * RELEASE.stepIntervalSec * 1000;
const TARGET_MS = 2_000;

class Flipper {
  readonly ws: Workspace;
  private active: Color = "blue";
  readonly times: number[] = [];
  /** The hook's lines of the last flip. */
  lines = "";
  constructor(name: string, private readonly lib: LibraryApi, private readonly spec: Omit<StackSpec, "active">) {
    this.ws = new Workspace(name, "bench", { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  }
  private synth(): void {
    synthStack(this.lib, this.ws.dir, "bench", { ...this.spec, active: this.active }, { skipValidation: true });
  }
  async setup(): Promise<void> {
    this.synth();
    await this.ws.apply();
  }
  async flip(): Promise<number> {
    this.active = this.active === "blue" ? "green" : "blue";
    this.synth(); // set-up, not measured
    const r = await this.ws.apply();
    this.times.push(r.ms);
    this.lines = r.stdout.split("\n").filter((l) => l.includes("bluegreen:")).join("\n");
    return r.ms;
  }
}

export async function runRelease(ctx: BenchContext): Promise<Section> {
  const section = new Section("release");
  const reps = ctx.quick ? 2 : 5;
  // one gateway each: both stacks write the same service ids
  const gateway = await startBenchGateway(ADMIN_KEY);
  const gateway2 = await startBenchGateway(ADMIN_KEY);
  const [blue, green] = [await startBackend("blue"), await startBackend("green")];
  const workspaces: Workspace[] = [];
  try {
    const lib = loadLibrary();
    const base = {
      routes: 1,
      adminUrl: gateway.adminUrl,
      proxyUrl: gateway.proxyUrl,
      blue: { host: blue.host, port: blue.port },
      green: { host: green.host, port: green.port },
    };
    const plain = new Flipper("release-plain", lib, base);
    const verified = new Flipper("release-verified", lib, {
      ...base,
      adminUrl: gateway2.adminUrl,
      proxyUrl: gateway2.proxyUrl,
      release: RELEASE,
    });
    workspaces.push(plain.ws, verified.ws);
    await plain.setup();
    await verified.setup();
    for (let rep = 0; rep < reps; rep++) {
      if (rep >= 2 && nowMs() > ctx.deadline) break;
      const p = await plain.flip();
      const v = await verified.flip();
      ctx.log(`release: plain flip ${p.toFixed(0)} ms, verified flip ${v.toFixed(0)} ms`);
      if (!/guardian pid \d+ restores/.test(verified.lines)) {
        throw new Error(`the flip with release ran no release:\n${verified.lines}`);
      }
    }
    const overhead = median(verified.times) - median(plain.times) - WINDOWS_MS;
    section.add({
      benchmark: "release overhead beyond its windows",
      size: "1 service",
      measured: overhead,
      unit: "ms",
      target: `<= ${TARGET_MS} ms`,
      pass: overhead <= TARGET_MS,
      note:
        `median terraform apply of a flip with release (steps [50], stepIntervalSec 1, one check: ` +
        `${median(verified.times).toFixed(0)} ms) - the same flip without (${median(plain.times).toFixed(0)} ms) - ` +
        `the configured windows (${WINDOWS_MS} ms); medians of ${verified.times.length}`,
      details: { verified: verified.times, plain: plain.times },
    });
  } finally {
    for (const ws of workspaces) ws.cleanup();
    await gateway.close().catch(() => undefined);
    await gateway2.close().catch(() => undefined);
    await blue.close();
    await green.close();
  }
  return section;
}
