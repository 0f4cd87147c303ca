/**
 * Terraform workspaces for the benchmarks, inside the repository (`<repo>/.e2e/bench-*`, gitignored): the hook
 * resolves `cdktf-apisix-bluegreen/cli` from Terraform's working directory, so Terraform must run below the repo.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, runCommand, type RunOptions, type RunResult } from "./proc";

let counter = 0;

export class Workspace {
  /** `<repo>/.e2e/bench-<name>-<pid>-<n>`; also the cdktf outdir when synthesizing with cdktf. */
  readonly dir: string;
  /** Where Terraform runs. With cdktf: `<dir>/stacks/<stackName>`. */
  readonly stackDir: string;
  readonly cliConfig: string;
  private initialized = false;

  constructor(name: string, readonly stackName = "bench", private readonly extraEnv: Record<string, string> = {}) {
    this.dir = path.join(REPO_ROOT, ".e2e", `bench-${name}-${process.pid}-${++counter}`);
    this.stackDir = path.join(this.dir, "stacks", stackName);
    mkdirSync(this.stackDir, { recursive: true });
    this.cliConfig = path.join(this.dir, "terraformrc");
    writeFileSync(this.cliConfig, "");
  }

  /** Environment for Terraform (and thus the hook): quiet, no checkpoint, empty CLI config. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_CLI_CONFIG_FILE: this.cliConfig,
      ...this.extraEnv,
      ...extra,
    };
  }

  /** Writes a Terraform JSON configuration directly (for the bare `terraform_data` baselines). */
  writeConfig(config: unknown): void {
    writeFileSync(path.join(this.stackDir, "cdk.tf.json"), JSON.stringify(config, null, 2));
  }

  async init(): Promise<void> {
    const r = await this.terraform(["init", "-input=false", "-no-color"]);
    if (r.code !== 0) throw new Error(`terraform init failed in ${this.stackDir}:\n${r.stdout}${r.stderr}`);
    this.initialized = true;
  }

  /** `terraform apply -auto-approve`; throws on failure. The result carries the wall time. */
  async apply(opts: Pick<RunOptions, "onStart"> = {}, extraEnv: Record<string, string> = {}): Promise<RunResult> {
    if (!this.initialized) await this.init();
    const r = await this.terraform(["apply", "-auto-approve", "-input=false", "-no-color"], extraEnv, opts);
    if (r.code !== 0) throw new Error(`terraform apply failed in ${this.stackDir}:\n${(r.stdout + r.stderr).slice(-4000)}`);
    return r;
  }

  async destroy(): Promise<RunResult> {
    if (!this.initialized) await this.init();
    return this.terraform(["destroy", "-auto-approve", "-input=false", "-no-color"], {}, { timeoutMs: 120_000 });
  }

  terraform(args: string[], extraEnv: Record<string, string> = {}, opts: RunOptions = {}): Promise<RunResult> {
    return runCommand("terraform", args, { timeoutMs: 180_000, ...opts, cwd: this.stackDir, env: this.env(extraEnv) });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `n` bare `terraform_data` resources with `create_before_destroy` whose `triggers_replace` is `value`, each with
 * a create-time `local-exec` of `command`: flipping `value` replaces all `n`, running `command` `n` times.
 */
export function bareDataConfig(n: number, command: string, value: string): unknown {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    resources[`r${i}`] = {
      input: { value, index: i },
      triggers_replace: { value },
      lifecycle: { create_before_destroy: true },
      provisioner: [{ "local-exec": { command } }],
    };
  }
  return { terraform: {}, resource: { terraform_data: resources } };
}

/** `terraform version` first line, e.g. `Terraform v1.11.4`. */
export async function terraformVersion(): Promise<string> {
  try {
    const r = await runCommand("terraform", ["version"], {
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
      timeoutMs: 20_000,
    });
    return r.stdout.split("\n")[0].trim();
  } catch {
    return "unavailable";
  }
}

/** `Apply complete! Resources: 1 added, 0 changed, 1 destroyed.` -> "1 added, 0 changed, 1 destroyed" */
export function applySummary(output: string): string {
  const m = output.match(/Resources: (\d+ added, \d+ changed, \d+ destroyed)/);
  return m ? m[1] : "?";
}
