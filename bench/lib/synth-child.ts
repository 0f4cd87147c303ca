/**
 * One synthesis measurement, run as its own Node process by bench/synth.ts:
 *   node dist/bench/lib/synth-child.js <routes> [default|skip-validation]
 * routes = 0 is the baseline: the same process building an empty stack (cdktf's own start-up and synth).
 * Prints one line `SYNTH {"requireMs","buildMs","synthMs","totalMs","maxRssKB","resources"}`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

const routes = Number(process.argv[2] ?? "0");
const mode = process.argv[3] ?? "default";
const outdir = mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));

try {
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { App, TerraformStack } = require("cdktf") as typeof import("cdktf");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const library = routes > 0 ? (require("./library") as typeof import("./library")) : undefined;
  const lib = library?.loadLibrary();
  const t1 = performance.now();
  const app = new App({ outdir, stackTraces: false, skipValidation: mode === "skip-validation" });
  const stack = new TerraformStack(app, "bench");
  if (library && lib) {
    library.buildStack(lib, stack, {
      routes,
      active: "blue",
      adminUrl: "http://127.0.0.1:9180",
      blue: { host: "127.0.0.1", port: 8001 },
      green: { host: "127.0.0.1", port: 8002 },
    });
  }
  const t2 = performance.now();
  app.synth();
  const t3 = performance.now();
  const json = JSON.parse(readFileSync(path.join(outdir, "stacks", "bench", "cdk.tf.json"), "utf8"));
  let resources = 0;
  for (const byName of Object.values<Record<string, unknown>>(json.resource ?? {})) resources += Object.keys(byName).length;
  const result = {
    requireMs: t1 - t0,
    buildMs: t2 - t1,
    synthMs: t3 - t2,
    totalMs: t3 - t0,
    uptimeMs: process.uptime() * 1000,
    maxRssKB: process.resourceUsage().maxRSS,
    resources,
  };
  process.stdout.write(`SYNTH ${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(`synth-child: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
