/**
 * A temporary Terraform working directory that installs the toy provider (bundled with esbuild, as the package
 * bundles its own) through the implied local mirror, with no network.
 */
import { buildSync } from "esbuild";
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

const VERSION = "0.0.1";
const SOURCE = "example.invalid/test/toy";

export class ToyWorkspace {
  readonly dir = mkdtempSync(path.join(tmpdir(), "toy-provider-"));
  readonly files = path.join(this.dir, "files");
  readonly bundle = path.join(this.dir, "toy-provider.cjs");
  private readonly cliConfig = path.join(this.dir, "terraformrc");

  constructor() {
    mkdirSync(this.files);
    writeFileSync(this.cliConfig, "");
    buildSync({
      entryPoints: [path.join(__dirname, "toy-provider.ts")],
      outfile: this.bundle,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      logLevel: "warning",
    });
    const platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
    const folder = path.join(this.dir, "terraform.d", "plugins", SOURCE, VERSION, platform);
    mkdirSync(folder, { recursive: true });
    const launcher = path.join(folder, `terraform-provider-toy_v${VERSION}`);
    writeFileSync(launcher, `#!/bin/sh\nexec node "${this.bundle}" "$@"\n`);
    chmodSync(launcher, 0o755);
  }

  /** Writes main.tf: the provider and `body`. */
  config(body: string): void {
    writeFileSync(
      path.join(this.dir, "main.tf"),
      `terraform {\n  required_providers {\n    toy = { source = "${SOURCE}", version = "${VERSION}" }\n  }\n}\n` +
        `provider "toy" {\n  directory = "${this.files}"\n}\n${body}\n`,
    );
  }

  /** Runs terraform in its own process group (so a test can Ctrl-C it like a terminal would). */
  terraform(args: readonly string[], onSpawn?: (child: ChildProcess) => void): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("terraform", [...args, "-no-color"], {
        cwd: this.dir,
        detached: true,
        env: { ...process.env, TF_CLI_CONFIG_FILE: this.cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, output }));
      onSpawn?.(child);
    });
  }

  /** Runs terraform and fails with its output unless it exits 0. */
  async ok(...args: string[]): Promise<string> {
    const result = await this.terraform(args);
    if (result.code !== 0) throw new Error(`terraform ${args.join(" ")} exited ${result.code}:\n${result.output}`);
    return result.output;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
