/**
 * `npm run demo` is the README's first command: run it for real (cdktf deploy of main.ts three times against the
 * embedded gateway) and check where its requests landed.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../helper/terraform";

jest.setTimeout(240_000);

const KEY = "demo-Key-Scan-0b7e41c9d2";
const PKG_VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

/** Every regular file below `dir` except Terraform's own plugin folders. */
function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === ".terraform") return [];
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

// GATEWAY_ENGINE picks the seed stack's engine; with the provider, the first `cdktf deploy` of a fresh stack folder
// also proves that synthesis wrote the lock file (cdktf would otherwise run `terraform providers lock`, which asks a
// registry that does not exist)
test.each(["hooks", "provider"])("the demo deploys blue, flips to green, previews and rolls back (%s engine)", async (engine) => {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile("node", [path.join(REPO_ROOT, "dist", "scripts", "demo.js")], { cwd: REPO_ROOT, timeout: 220_000, env: { ...process.env, GATEWAY_ADMIN_KEY: KEY, BLUEGREEN_DEMO_KEEP: "1", GATEWAY_ENGINE: engine } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  expect({ code, tail: output.slice(-1500) }).toMatchObject({ code: 0 });
  const lines = output.split("\n");
  const after = (step: string) => lines.slice(lines.findIndex((l) => l.startsWith(`${step}: cdktf deploy`)));
  expect(after("deploy")[1]).toMatch(/GET \/headers\s+-> blue 10, green 0$/);
  expect(after("deploy")[2]).toMatch(/X-Env: green -> blue 0, green 10$/);
  expect(after("flip")[1]).toMatch(/GET \/headers\s+-> blue 0, green 10$/);
  expect(after("flip")[2]).toMatch(/X-Env: blue\s+-> blue 10, green 0$/);
  expect(after("rollback")[1]).toMatch(/GET \/headers\s+-> blue 10, green 0$/);
  expect(output).toContain("every request landed where the active color said");

  // the key is nowhere in what the demo printed or wrote: cdktf.out, Terraform state, deploy logs, gateway state
  expect(output).not.toContain(KEY);
  const workDir = /work folder: (\S+)/.exec(output)?.[1];
  expect(workDir).toBeDefined();
  const files = listFiles(workDir!);
  // Terraform ran the hook or the provider laid into the stack folder: no node_modules in the work folder, the package
  // not linked
  expect(readdirSync(workDir!)).not.toContain("node_modules");
  const laid = engine === "hooks" ? path.join("assets", "BluegreenHook", PKG_VERSION, "bluegreen-hook.cjs") : "bluegreen-provider.cjs";
  expect(files.some((f) => f.endsWith(laid))).toBe(true);
  if (engine === "provider") {
    const lock = files.find((f) => f.endsWith(".terraform.lock.hcl"));
    expect(lock && readFileSync(lock, "utf8")).toContain('provider "cdktf-apisix-bluegreen.invalid/local/bluegreen"');
  }
  expect(files.some((f) => f.endsWith("terraform.tfstate"))).toBe(true);
  expect(files.some((f) => f.endsWith("flip.log"))).toBe(true);
  expect(files.some((f) => f.endsWith("cdk.tf.json"))).toBe(true);
  for (const file of files) expect({ file, hasKey: readFileSync(file, "utf8").includes(KEY) }).toEqual({ file, hasKey: false });
  expect(output).toContain(`work folder kept: ${workDir}`);
  rmSync(workDir!, { recursive: true, force: true });
});
