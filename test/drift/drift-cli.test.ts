/**
 * The real, built CLI end to end: `node -e "require('cdktf-apisix-bluegreen/cli').main(['drift', ...])"` from
 * inside the repository, exit codes 0 (in sync), 2 (drift) and 1 (wrong key), key never printed.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { type RunningGateway, startGateway } from "../../lib/gateway/gateway";
import { REPO_ROOT } from "../helper/terraform";
import { admin, applyStack, KEY, STACK, stackInputs, type SynthesizedSeed, synthSeed } from "./drift-harness";

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Builds `dist/` if a source the drift command uses is newer than its compiled form. */
function ensureBuilt(): void {
  const built = path.join(REPO_ROOT, "dist/lib/cli/drift-command.js");
  const newest = ["lib/client", "lib/drift", "lib/cli", "lib/model", "lib/hook"]
    .flatMap((d) => readdirSync(path.join(REPO_ROOT, d)).map((f) => statSync(path.join(REPO_ROOT, d, f)).mtimeMs))
    .reduce((a, b) => Math.max(a, b), 0);
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  execFileSync("npm", ["run", "build"], { cwd: REPO_ROOT, stdio: "pipe" });
}

function cli(args: string[], key: string): Promise<CliRun> {
  const argList = ["drift", ...args].map((a) => JSON.stringify(a)).join(",");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-e", `require('cdktf-apisix-bluegreen/cli').main([${argList}])`],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH, GATEWAY_ADMIN_KEY: key }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(() => ensureBuilt(), 180_000);

describe("bluegreen drift through the built CLI", () => {
  let gw: RunningGateway;
  let seed: SynthesizedSeed;
  beforeAll(async () => {
    gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor: "apisix" });
    seed = synthSeed("apisix", gw.adminUrl);
    await applyStack(seed.stackDir);
  });
  afterAll(async () => {
    await gw.close();
    seed.cleanup();
  });

  test("exit 0 in sync, 2 after an out-of-band edit, 1 with a wrong key; the key is never printed", async () => {
    const stackArg = path.relative(REPO_ROOT, seed.stackDir);
    const inSync = await cli(["--stack", stackArg], KEY);
    expect(inSync.stderr).toBe("");
    expect(inSync.stdout).toContain(`no drift: 4 objects match the gateway (stack ${STACK})\n`);
    expect(inSync.code).toBe(0);

    const upstream = stackInputs(seed.stackDir).find((i) => i.path?.startsWith("/apisix/admin/upstreams/blue-green-service-green-"))!.path!;
    expect((await admin(gw.adminUrl, "PATCH", upstream, { nodes: [{ host: "127.0.0.1", port: 1999, weight: 100 }] })).status).toBe(200);
    const drifted = await cli(["--stack", stackArg], KEY);
    expect(drifted.stdout).toContain(
      `  changed    service blue-green-service: green nodes[0].port: gateway 1999, stack 1982  ` +
        `(upstream ${upstream.split("/").pop()}; construct ${STACK}/service)\n`,
    );
    expect(drifted.stdout).toContain(`drift: 1 changed, 0 missing, 0 unmanaged, 0 extra in stack ${STACK}\n`);
    expect(drifted.code).toBe(2);

    const wrong = await cli(["--stack", stackArg, "--json"], "sk-not-the-key-5555");
    expect(wrong.stderr).toMatch(/check the GATEWAY_ADMIN_KEY environment variable/);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ status: "error", exit_code: 1 });
    expect(wrong.code).toBe(1);

    for (const run of [inSync, drifted, wrong]) {
      expect(run.stdout + run.stderr).not.toContain(KEY);
      expect(run.stdout + run.stderr).not.toContain("sk-not-the-key-5555");
    }
  });
});
