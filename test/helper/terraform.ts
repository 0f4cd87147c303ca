/**
 * Real Terraform for end-to-end tests: synthesizes a stack into a temp folder outside the repository (the stack
 * folder carries the hook it runs) and runs `terraform init/plan/apply/destroy` there with the admin key only in the
 * process environment.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout + stderr, for assertions and failure messages. */
  readonly output: string;
}

/**
 * Runs `terraform <args>` in `cwd` with `env` (the caller's whole environment), collecting its output; `onSpawn` gets
 * the process (e.g. to interrupt it).
 */
export function runTerraform(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onSpawn?: (child: ChildProcess) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("terraform", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr, output: stdout + stderr }));
  });
}

/**
 * The output of a Terraform run that must succeed (otherwise it throws with that output); with `secret`, the output
 * must not hold it (the admin key never reaches plan or apply output).
 */
export async function succeeded(run: Promise<RunResult>, secret?: string): Promise<string> {
  const result = await run;
  if (result.code !== 0) throw new Error(result.output);
  if (secret !== undefined) expect(result.output).not.toContain(secret);
  return result.output;
}

export class TerraformWorkspace {
  /** `<temp>/bluegreen-tf-<name>-XXXXXX`: the cdktf outdir, outside the repository. */
  readonly dir: string;
  /** Where Terraform runs: `<dir>/stacks/e2e`. */
  readonly stackDir: string;
  private initialized = false;

  constructor(name: string, private readonly env: Record<string, string>) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `bluegreen-tf-${name}-`));
    this.stackDir = path.join(this.dir, "stacks", "e2e");
    writeFileSync(path.join(this.dir, "terraformrc"), "");
  }

  /** Synthesizes a fresh app whose single stack `e2e` is built by `build`. */
  synth(build: (stack: TerraformStack) => void): void {
    const app = new App({ outdir: this.dir, stackTraces: false });
    const stack = new TerraformStack(app, "e2e");
    // state beside the stack (cdktf's default is <cwd>/terraform.<stack>.tfstate, shared by every workspace)
    new LocalBackend(stack, { path: "terraform.tfstate" });
    build(stack);
    app.synth();
  }

  async init(): Promise<RunResult> {
    const result = await this.terraform(["init", "-input=false", "-no-color"]);
    if (result.code !== 0) throw new Error(`terraform init failed:\n${result.output}`);
    this.initialized = true;
    return result;
  }

  async plan(): Promise<RunResult> {
    if (!this.initialized) await this.init();
    return this.terraform(["plan", "-input=false", "-no-color", "-lock=false"]);
  }

  /** `onSpawn` gets the Terraform process (e.g. to interrupt it). */
  async apply(extraEnv: Record<string, string> = {}, onSpawn?: (child: ChildProcess) => void): Promise<RunResult> {
    if (!this.initialized) await this.init();
    return this.terraform(["apply", "-auto-approve", "-input=false", "-no-color"], extraEnv, onSpawn);
  }

  async destroy(): Promise<RunResult> {
    if (!this.initialized) await this.init();
    return this.terraform(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  }

  /** Text of every file below the workspace (synth output, state, backups), for secret scans. */
  allText(): string {
    const parts: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const p = path.join(dir, entry);
        if (entry === ".terraform") continue; // provider-free; holds only Terraform's own metadata
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.size < 20_000_000) parts.push(readFileSync(p, "utf8"));
      }
    };
    walk(this.dir);
    return parts.join("\n");
  }

  /** The Terraform state (fails if there is none: a scan of it must never pass vacuously). */
  state(): string {
    return readFileSync(path.join(this.stackDir, "terraform.tfstate"), "utf8");
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  terraform(args: string[], extraEnv: Record<string, string> = {}, onSpawn?: (child: ChildProcess) => void): Promise<RunResult> {
    const env = {
      ...process.env,
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_CLI_CONFIG_FILE: path.join(this.dir, "terraformrc"),
      ...this.env,
      ...extraEnv,
    };
    return runTerraform(this.stackDir, args, env, onSpawn);
  }
}
