/**
 * Shared by the drift tests: synthesizes the seed stack into `<repo>/.e2e/` (either engine), applies it to a gateway
 * through the hook (no Terraform: the provider engine writes the same requests through the same code), edits the
 * gateway out of band, and runs `bluegreen drift` in-process.
 */
import { stackFileRequests } from "../helper/stack-json";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { App } from "cdktf";
import { SeedStack, type SeedStackProps } from "../../examples/seed-stack";
import { runDriftCommand } from "../../lib/cli/drift-command";
import { runHook } from "../../lib/hook/run-hook";
import { readStack } from "../../lib/drift/read-stack";
import { REPO_ROOT } from "../helper/terraform";

export const KEY = "sk-drift-SECRET-4b3a2c1d0e";
export const STACK = "blue-green";

export type Flavor = "apisix" | "api7-ee";
export type Engine = NonNullable<SeedStackProps["engine"]>;
/** Both engines, for `describe.each`. */
export const ENGINES: readonly Engine[] = ["hooks", "provider"];

export interface SynthesizedSeed {
  /** cdktf outdir (`.e2e/drift-...`). */
  readonly outdir: string;
  /** `<outdir>/stacks/blue-green`, holding cdk.tf.json. */
  readonly stackDir: string;
  cleanup(): void;
}

let counter = 0;

/**
 * Synthesizes the seed stack (active blue, 0 % canary, unless `props` say otherwise) for `adminUrl` into a fresh
 * directory under `.e2e/`.
 */
export function synthSeed(flavor: Flavor, adminUrl: string, props: Partial<SeedStackProps> = {}): SynthesizedSeed {
  const outdir = path.join(REPO_ROOT, ".e2e", `drift-${process.pid}-${++counter}`);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir, stackTraces: false });
  new SeedStack(app, STACK, {
    adminUrl,
    flavor,
    active: "blue",
    blue: { host: "127.0.0.1", port: 1981, scheme: "http" },
    green: { host: "127.0.0.1", port: 1982, scheme: "http" },
    ...props,
  });
  app.synth();
  return {
    outdir,
    stackDir: path.join(outdir, "stacks", STACK),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The `terraform_data` inputs of a synthesized stack, upstreams first, then services, routes, the sweep last. */
export function stackInputs(stackDir: string): Array<{ kind: string; path?: string }> {
  const rank = (i: { kind: string; path?: string }) =>
    i.kind === "sweep" ? 9 : i.path?.includes("/upstreams/") ? 0 : i.path?.includes("/services/") ? 1 : 2;
  return stackFileRequests<{ kind: string; path?: string }>(path.join(stackDir, "cdk.tf.json")).sort((a, b) => rank(a) - rank(b));
}

/**
 * Applies every request of the stack through the hook, as Terraform would (upstreams, services, routes, the sweep
 * last): the hooks engine's inputs, or what the provider engine's resources ask its provider to write. Fails the test
 * on any hook error.
 */
export async function applyStack(stackDir: string): Promise<void> {
  const stack = readStack(path.join(stackDir, "cdk.tf.json"));
  expect(stack.skipped).toEqual([]);
  const rank = (p: string) => (p.includes("/upstreams/") ? 0 : p.includes("/services/") ? 1 : 2);
  const objects = [...stack.objects].sort((a, b) => rank(a.request.path) - rank(b.request.path));
  for (const input of [...objects, ...stack.sweeps].map((r) => r.request)) {
    const err: string[] = [];
    const code = await runHook(input.kind === "sweep" ? "sweep" : "apply", {
      env: { BLUEGREEN_REQUEST: JSON.stringify(input), GATEWAY_ADMIN_KEY: KEY },
      cwd: stackDir,
      stdout: () => undefined,
      stderr: (l) => err.push(l),
    });
    expect(err).toEqual([]);
    expect(code).toBe(0);
  }
}

export interface DriftRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
  /** stdout + stderr joined, for secret scans. */
  readonly all: string;
}

/** Runs `bluegreen drift <args>` in-process with `GATEWAY_ADMIN_KEY=KEY` unless `env` overrides it. */
export async function drift(args: string[], env: NodeJS.ProcessEnv = { GATEWAY_ADMIN_KEY: KEY }, cwd = REPO_ROOT): Promise<DriftRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDriftCommand(args, { env, cwd, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out, err, all: [...out, ...err].join("\n") };
}

/** One Admin API call with the key, JSON in and out. */
export async function admin(
  adminUrl: string,
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(adminUrl + apiPath, {
    method,
    headers: { "X-API-KEY": KEY, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** `?gateway_group_id=default` on API7 EE (the seed's group), empty on APISIX. */
export function query(flavor: Flavor): string {
  return flavor === "api7-ee" ? "?gateway_group_id=default" : "";
}
