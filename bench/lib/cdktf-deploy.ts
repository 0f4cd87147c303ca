/**
 * `cdktf deploy --auto-approve` of small cdktf projects (the seed's main.ts, the bare baseline app), each in its own
 * folder below `<repo>/.e2e/bench-deploy-*` so that state and cdktf.out stay out of the repository root.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Color } from "../../lib";
import { REPO_ROOT, runCommand, type RunResult } from "./proc";

export const CDKTF_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "cdktf");
/** The seed scenario's app (`cdktf deploy` runs it, see cdktf.json). */
export const SEED_APP = path.join(REPO_ROOT, "dist", "main.js");
/** The baseline app: bare `terraform_data` resources (bench/lib/bare-app.ts). */
export const BARE_APP = path.join(__dirname, "bare-app.js");

/** The seed's settings for a loopback gateway and backends (read by examples/seed-stack.ts's `seedStackPropsFromEnv`). */
export function seedEnv(
  adminKey: string,
  adminUrl: string,
  blue: { host: string; port: number },
  green: { host: string; port: number },
): Record<string, string> {
  return {
    GATEWAY_ADMIN_KEY: adminKey,
    GATEWAY_ADMIN_URL: adminUrl,
    BLUE_UPSTREAM: `${blue.host}:${blue.port}`,
    GREEN_UPSTREAM: `${green.host}:${green.port}`,
    UPSTREAM_SCHEME: "http",
  };
}

/** Project folders under one root; `cleanup()` removes them all. */
export class CdktfProjects {
  readonly root: string;
  private readonly cliConfig: string;

  constructor(name: string) {
    this.root = path.join(REPO_ROOT, ".e2e", `bench-${name}-${process.pid}`);
    mkdirSync(this.root, { recursive: true });
    this.cliConfig = path.join(this.root, "terraformrc");
    writeFileSync(this.cliConfig, "");
  }

  /**
   * A project folder whose app is `node <appJs>` with `env` (its own settings, e.g. the gateway's URL); state
   * not in the folder itself (cdktf refuses a bare terraform.tfstate there).
   */
  project(name: string, appJs: string, env: Record<string, string> = {}): CdktfProject {
    const dir = path.join(this.root, name);
    mkdirSync(path.join(dir, "state"), { recursive: true });
    const cdktfJson = JSON.parse(readFileSync(path.join(REPO_ROOT, "cdktf.json"), "utf8"));
    cdktfJson.app = `node ${JSON.stringify(appJs)}`;
    writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify(cdktfJson, null, 2));
    return new CdktfProject(dir, {
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_CLI_CONFIG_FILE: this.cliConfig,
      CI: "1",
      FORCE_COLOR: "0",
      BLUEGREEN_TF_STATE: path.join(dir, "state", "terraform.tfstate"),
      ...env,
    });
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export class CdktfProject {
  constructor(readonly dir: string, private readonly env: Record<string, string>) {}

  get name(): string {
    return path.basename(this.dir);
  }

  /** `cdktf deploy --auto-approve` with ACTIVE_COLOR = `color`; throws on failure. */
  async deploy(color: Color, onStart?: (t: number) => void): Promise<RunResult> {
    const r = await runCommand(CDKTF_BIN, ["deploy", "--auto-approve", "--output", path.join(this.dir, "cdktf.out")], {
      cwd: this.dir,
      env: { ...process.env, ...this.env, ACTIVE_COLOR: color },
      timeoutMs: 120_000,
      onStart,
    });
    if (r.code !== 0) {
      throw new Error(`cdktf deploy in ${this.name} (${color}) failed (${r.code}): ${(r.stdout + r.stderr).slice(-1500)}`);
    }
    return r;
  }
}
