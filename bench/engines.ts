/**
 * Issue 12, "fast enough to choose": the provider engine against the hooks engine in the same run, as ratios.
 * 1. provider start: spawn of the laid launcher (what Terraform executes) to its go-plugin handshake line, with
 *    the environment Terraform sets (magic cookie, protocol 6, a real client certificate, port range), against
 *    `node -e ""`, interleaved;
 * 2. the flip apply at 50 routes (the stack shape of bench/flip.ts), provider vs hooks, interleaved;
 * 3. a no-op `terraform plan` of 1,000 routes, provider vs hooks, interleaved;
 * 4. `cdktf deploy` of the seed flip (main.ts with GATEWAY_ENGINE), provider vs hooks, interleaved.
 * Each engine has its own gateway (the stacks use the same ids and owner).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Color } from "../lib";
import { installProvider } from "../lib/provider/install-provider";
import { launcherName, pluginFolder } from "../lib/provider/provider-address";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../lib/provider/protocol/serve-provider";
import { createServerCertificate } from "../lib/provider/protocol/server-certificate";
import { type Env, OurFlip, WATCHED_REPS } from "./flip";
import { startBackend, type Backend } from "./lib/backend";
import { CdktfProjects, SEED_APP, seedEnv } from "./lib/cdktf-deploy";
import { ADMIN_KEY, probe, startBenchGateway, type RunningGateway } from "./lib/gateway";
import { type Engine, loadLibrary, synthStack, type LibraryApi } from "./lib/library";
import { runCommand, startServer } from "./lib/proc";
import { type BenchContext, ratioRow, Section } from "./lib/report";
import { median, nowMs } from "./lib/stats";
import { applySummary, Workspace } from "./lib/terraform";

const ENGINES: readonly Engine[] = ["hooks", "provider"];
const NODE_NOOP = 'node -e ""';

const START_TARGET = 3;
const FLIP_TARGET = 1;
const PLAN_TARGET = 3;
const DEPLOY_TARGET = 1.5;
const FLIP_ROUTES = 50;
const PLAN_ROUTES = 1_000;
/** Terraform's -parallelism for the 1,000-route set-up applies (not measured). */
const SETUP_PARALLELISM = 32;

/** The backends, the library and one gateway per engine. */
export interface EngineEnv {
  blue: Backend;
  green: Backend;
  lib: LibraryApi;
  gateways: Partial<Record<Engine, RunningGateway & { mode: string }>>;
}

export async function runEngines(ctx: BenchContext): Promise<Section> {
  const section = new Section("engines");
  await providerStart(ctx, section).catch((err) =>
    section.missing('provider start (to handshake) vs node -e ""', "-", `<= ${START_TARGET}x`, err, "error"),
  );
  let env: EngineEnv | undefined;
  try {
    const lib = loadLibrary();
    const blue = await startBackend("blue");
    const green = await startBackend("green");
    env = { blue, green, lib, gateways: {} };
    for (const engine of ENGINES) env.gateways[engine] = await startBenchGateway(ADMIN_KEY);
  } catch (err) {
    for (const [name, target] of [
      ["flip apply, provider vs hooks", FLIP_TARGET],
      ["no-op terraform plan, provider vs hooks", PLAN_TARGET],
      ["cdktf deploy seed flip, provider vs hooks", DEPLOY_TARGET],
    ] as const) {
      section.missing(name, "-", `<= ${target}x`, err, "error");
    }
  }
  if (env) {
    const e = env;
    try {
      await flipApply(ctx, section, e).catch((err) =>
        section.missing("flip apply, provider vs hooks", `${FLIP_ROUTES} routes`, `<= ${FLIP_TARGET}x`, err, "error"),
      );
      await noopPlan(ctx, section, e).catch((err) =>
        section.missing("no-op terraform plan, provider vs hooks", `${PLAN_ROUTES} routes`, `<= ${PLAN_TARGET}x`, err, "error"),
      );
      await seedDeploy(ctx, section, e).catch((err) =>
        section.missing("cdktf deploy seed flip, provider vs hooks", "seed", `<= ${DEPLOY_TARGET}x`, err, "error"),
      );
    } finally {
      for (const g of Object.values(e.gateways)) await g.close().catch(() => undefined);
      await e.blue.close();
      await e.green.close();
    }
  }
  return section;
}


// ---------------------------------------------------------------------------------------------------------------
// 1. Provider start-up.

/**
 * What Terraform puts in a provider's environment (hashicorp/go-plugin's client): the magic cookie, the protocol
 * versions it speaks, its client certificate (PEM) for automatic mTLS and the port range.
 */
function terraformPluginEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
    PLUGIN_PROTOCOL_VERSIONS: "6",
    PLUGIN_CLIENT_CERT: createServerCertificate().certificatePem,
    PLUGIN_MIN_PORT: "10000",
    PLUGIN_MAX_PORT: "25000",
  };
}

/** go-plugin's handshake line: core version|app version|network|address|protocol|server certificate. */
const HANDSHAKE = /^1\|6\|unix\|[^|\n]+\|grpc\|[A-Za-z0-9+/]+\n/m;

async function providerStart(ctx: BenchContext, section: Section): Promise<void> {
  const folder = mkdtempSync(path.join(os.tmpdir(), "bench-provider-"));
  try {
    // The laid launcher, as `terraform init` installs it (sh script that execs node on the bundle beside it).
    installProvider(folder);
    const platform = `${os.platform()}_${os.arch() === "x64" ? "amd64" : os.arch()}`;
    const launcher = path.join(folder, pluginFolder(platform), launcherName());
    chmodSync(launcher, 0o755);
    const reps = ctx.quick ? 5 : 15;
    // Node 20 loads NODE_EXTRA_CA_CERTS at every start (~50 ms for a system CA bundle; the launcher defers it for the
    // provider): where it is set, also without it
    const variants: Array<[string, Record<string, string>]> = [["", {}]];
    if (process.env.NODE_EXTRA_CA_CERTS) variants.push([", without NODE_EXTRA_CA_CERTS", { NODE_EXTRA_CA_CERTS: "" }]);
    for (const [suffix, extra] of variants) {
      const env = { ...terraformPluginEnv(), ...extra };
      const noop: number[] = [];
      const start: number[] = [];
      for (let i = 0; i < reps; i++) {
        noop.push((await runCommand("node", ["-e", ""], { env: { ...process.env, ...extra }, timeoutMs: 30_000 })).ms);
        const t0 = nowMs();
        const server = await startServer(launcher, [], HANDSHAKE, { cwd: folder, env, timeoutMs: 30_000 });
        start.push(nowMs() - t0);
        await server.stop();
      }
      ctx.log(`provider start${suffix} ${median(start).toFixed(0)} ms vs node -e "" ${median(noop).toFixed(0)} ms`);
      ratioRow(section, {
        benchmark: `provider start (to handshake) vs node -e ""${suffix}`,
        size: "-",
        ours: start,
        baseline: noop,
        target: START_TARGET,
        note:
          `spawn of the laid launcher ${launcherName()} (sh, exec node dist/provider/bluegreen-provider.cjs) to its handshake line, ` +
          `with Terraform's plugin environment (magic cookie, PLUGIN_PROTOCOL_VERSIONS=6, PLUGIN_CLIENT_CERT, PLUGIN_MIN/MAX_PORT), ` +
          `interleaved with ${NODE_NOOP} spawn to exit; median of ${reps}` +
          (suffix ? "; both with NODE_EXTRA_CA_CERTS emptied (this machine sets it)" : ""),
      });
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. The flip apply at 50 routes.

function flipEnv(env: EngineEnv, engine: Engine): Required<Pick<Env, "gateway" | "blue" | "green" | "lib">> {
  return { gateway: env.gateways[engine]!, blue: env.blue, green: env.green, lib: env.lib };
}

async function flipApply(ctx: BenchContext, section: Section, env: EngineEnv): Promise<void> {
  const flips = ENGINES.map((engine) => new OurFlip(FLIP_ROUTES, flipEnv(env, engine), engine));
  try {
    for (const f of flips) await f.setup();
    // flips of this size move by ±15% between runs here: medians of 9 and 5, not 5 and 3
    const reps = ctx.quick ? 2 : 9;
    for (let rep = 0; rep < reps; rep++) {
      if (rep >= 2 && nowMs() > ctx.deadline) break;
      const ms = [];
      for (const f of rep % 2 ? [...flips].reverse() : flips) ms.push(`${f.engine} ${(await f.flip()).toFixed(0)} ms`);
      ctx.log(`flip ${FLIP_ROUTES} routes: ${ms.join(", ")}`);
    }
    // the first request on the new color, from watched flips of their own (polling would slow the timed ones)
    for (let rep = 0; rep < (ctx.quick ? 1 : WATCHED_REPS); rep++) {
      for (const f of rep % 2 ? [...flips].reverse() : flips) await f.watchedFlip();
    }
    const [hooks, provider] = flips;
    const main = { hooks: [...hooks.times], provider: [...provider.times] };
    ratioRow(section, {
      benchmark: "flip apply, provider vs hooks",
      size: `${FLIP_ROUTES} routes`,
      ours: main.provider,
      baseline: main.hooks,
      target: FLIP_TARGET,
      note:
        `terraform apply flipping active of ${FLIP_ROUTES} routes over 5 services (bench/flip.ts's stack): ` +
        `provider ${provider.summary} vs hooks ${hooks.summary}; each engine its own gateway child; alternating order, median of ${main.provider.length} flips timed alone; ` +
        `first request on the new color after apply start (${provider.watches.length} watched flips each): provider ` +
        `${median(provider.watches.map((w) => w.firstMs)).toFixed(0)} ms, hooks ${median(hooks.watches.map((w) => w.firstMs)).toFixed(0)} ms`,
      details: { watches: { provider: provider.watches, hooks: hooks.watches } },
    });
    // Node 20 loads NODE_EXTRA_CA_CERTS at every start (~50 ms for a system CA bundle): each hook pays it, the
    // provider's launcher defers it. Where it is set, the same flips without it.
    if (process.env.NODE_EXTRA_CA_CERTS) {
      const plain = { NODE_EXTRA_CA_CERTS: "" };
      for (let rep = 0; rep < (ctx.quick ? 1 : 5); rep++) {
        for (const f of rep % 2 ? [...flips].reverse() : flips) await f.flip(plain);
      }
      const extra = (f: OurFlip, before: number) => f.times.slice(before);
      ratioRow(section, {
        benchmark: "flip apply, provider vs hooks, without NODE_EXTRA_CA_CERTS",
        size: `${FLIP_ROUTES} routes`,
        ours: extra(provider, main.provider.length),
        baseline: extra(hooks, main.hooks.length),
        target: FLIP_TARGET,
        note: `the same stacks, NODE_EXTRA_CA_CERTS emptied in Terraform's environment (this machine sets it); alternating order, median of ${provider.times.length - main.provider.length}`,
      });
    }
  } finally {
    for (const f of flips) f.ws.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 3. A no-op `terraform plan` of 1,000 routes.

/**
 * A folder with a `node` that does nothing, for the hooks engine's set-up apply: its plan reads nothing from the
 * gateway (terraform_data only compares the configuration with the state), so the objects need not be written;
 * this spares 1,302 hook processes of set-up. The measured plans run with the real PATH.
 */
function stubNodeDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-stub-node-"));
  writeFileSync(path.join(dir, "node"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  return dir;
}

export async function noopPlan(ctx: BenchContext, section: Section, env: EngineEnv): Promise<void> {
  const workspaces = ENGINES.map((engine) => ({
    engine,
    ws: new Workspace(`plan-${PLAN_ROUTES}-${engine}`, "bench", { GATEWAY_ADMIN_KEY: ADMIN_KEY }),
    times: [] as number[],
    setupMs: 0,
    setupSummary: "",
  }));
  const stub = stubNodeDir();
  try {
    for (const w of workspaces) {
      const gateway = env.gateways[w.engine]!;
      synthStack(
        env.lib,
        w.ws.dir,
        "bench",
        {
          routes: PLAN_ROUTES,
          active: "blue",
          adminUrl: gateway.adminUrl,
          blue: { host: env.blue.host, port: env.blue.port },
          green: { host: env.green.host, port: env.green.port },
          engine: w.engine,
        },
        { skipValidation: true },
      );
      await w.ws.init();
      const extra: Record<string, string> = w.engine === "hooks" ? { PATH: `${stub}${path.delimiter}${process.env.PATH ?? ""}` } : {};
      const r = await w.ws.terraform(["apply", "-auto-approve", "-input=false", "-no-color", `-parallelism=${SETUP_PARALLELISM}`], extra, {
        timeoutMs: 600_000,
      });
      if (r.code !== 0) throw new Error(`set-up terraform apply of ${w.engine} failed (${r.code}${r.timedOut ? ", timed out" : ""}): ${(r.stderr || r.stdout).slice(-1500)}`);
      w.setupMs = r.ms;
      w.setupSummary = applySummary(r.stdout);
      ctx.log(`plan ${PLAN_ROUTES}: ${w.engine} set-up apply ${r.ms.toFixed(0)} ms (${w.setupSummary})`);
    }
    const reps = ctx.quick ? 2 : 3;
    for (let rep = 0; rep < reps; rep++) {
      if (rep >= 2 && nowMs() > ctx.deadline) break;
      const ms = [];
      for (const w of rep % 2 ? [...workspaces].reverse() : workspaces) {
        const r = await w.ws.terraform(["plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode"]);
        if (r.code !== 0) {
          throw new Error(`terraform plan of ${w.engine} is not a no-op (exit ${r.code}): ${(r.stdout + r.stderr).slice(-1500)}`);
        }
        w.times.push(r.ms);
        ms.push(`${w.engine} ${r.ms.toFixed(0)} ms`);
      }
      ctx.log(`no-op plan ${PLAN_ROUTES} routes: ${ms.join(", ")}`);
    }
    const [hooks, provider] = workspaces;
    ratioRow(section, {
      benchmark: "no-op terraform plan, provider vs hooks",
      size: `${PLAN_ROUTES} routes`,
      ours: provider.times,
      baseline: hooks.times,
      target: PLAN_TARGET,
      note:
        `terraform plan -detailed-exitcode (exit 0: no changes) of ${PLAN_ROUTES} routes over 100 services; the provider ` +
        `reads every object from its gateway, the hooks engine's terraform_data reads nothing; alternating order, median of ${provider.times.length}; ` +
        `set-up apply: provider ${provider.setupSummary} in ${provider.setupMs.toFixed(0)} ms (real), hooks ${hooks.setupSummary} with a stub node on PATH`,
      details: { setupMs: { provider: provider.setupMs, hooksWithStubNode: hooks.setupMs } },
    });
  } finally {
    rmSync(stub, { recursive: true, force: true });
    for (const w of workspaces) w.ws.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. `cdktf deploy` of the seed flip.

async function seedDeploy(ctx: BenchContext, section: Section, env: EngineEnv): Promise<void> {
  const projects = new CdktfProjects("engines-deploy");
  try {
    const seeds = ENGINES.map((engine) => {
      const gateway = env.gateways[engine]!;
      return {
        engine,
        gateway,
        project: projects.project(`seed-${engine}`, SEED_APP, {
          ...seedEnv(ADMIN_KEY, gateway.adminUrl, env.blue, env.green),
          GATEWAY_ENGINE: engine,
        }),
        times: [] as number[],
        summary: "",
      };
    });
    // Set-up. cdktf runs `terraform providers lock` when the stack has no lock file yet; for the provider's
    // registry-less source that asks the network and fails after `terraform init` wrote the lock file, so the
    // first deploy is retried once (and said in the note) until synthesis lays a lock file of its own.
    let lockWorkaround = false;
    for (const s of seeds) {
      try {
        await s.project.deploy("blue");
      } catch (err) {
        if (s.engine !== "provider" || !/Could not retrieve providers for locking/.test((err as Error).message)) throw err;
        lockWorkaround = true;
        ctx.log(`cdktf deploy (${s.engine}) set-up: first deploy failed in cdktf's terraform providers lock; retrying`);
        await s.project.deploy("blue");
      }
    }
    const reps = ctx.quick ? 2 : 5;
    let color: Color = "blue";
    for (let rep = 0; rep < reps; rep++) {
      if (rep >= 2 && nowMs() > ctx.deadline) break;
      color = color === "blue" ? "green" : "blue";
      const ms = [];
      for (const s of rep % 2 ? [...seeds].reverse() : seeds) {
        const r = await s.project.deploy(color);
        const after = await probe(`${s.gateway.proxyUrl}/headers`);
        if (after.backend !== color) {
          throw new Error(`after cdktf deploy (${s.engine}) to ${color}, GET /headers answered ${after.status} ${after.backend ?? ""}`);
        }
        s.times.push(r.ms);
        s.summary = applySummary(r.stdout);
        ms.push(`${s.engine} ${r.ms.toFixed(0)} ms`);
      }
      ctx.log(`cdktf deploy seed -> ${color}: ${ms.join(", ")}`);
    }
    const [hooks, provider] = seeds;
    ratioRow(section, {
      benchmark: "cdktf deploy seed flip, provider vs hooks",
      size: "seed",
      ours: provider.times,
      baseline: hooks.times,
      target: DEPLOY_TARGET,
      note:
        `cdktf deploy --auto-approve of main.ts (GATEWAY_ENGINE=provider vs hooks), alternating ACTIVE_COLOR: ` +
        `provider ${provider.summary} vs hooks ${hooks.summary}; cdktf start-up, synth, terraform init check and apply included; ` +
        `each engine its own gateway child; GET /headers checked after each; alternating order, median of ${provider.times.length}` +
        (lockWorkaround
          ? `; NOTE the provider's first cdktf deploy failed (cdktf's terraform providers lock -platform=linux_amd64 asks the registry ` +
            `for cdktf-apisix-bluegreen.invalid when the stack has no .terraform.lock.hcl) and was retried once`
          : ""),
      details: { lockWorkaround },
    });
  } finally {
    projects.cleanup();
  }
}
