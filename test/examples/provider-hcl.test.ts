/**
 * examples/provider-hcl/main.tf with plain Terraform (no cdktf): `bluegreen provider install .`, offline init,
 * apply, a flip as an in-place update, destroy leaving nothing.
 */
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { startGateway } from "../../lib/gateway";
import { CLI, REPO_ROOT } from "../helper/gateway-process";
import { providerVersion } from "../../lib/provider/provider-address";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-hcl-Secret-Key-0b9e2c";
const EXAMPLE = path.join(REPO_ROOT, "examples", "provider-hcl", "main.tf");

test("the example's required_providers names this package's version", () => {
  expect(readFileSync(EXAMPLE, "utf8")).toContain(`version = "${providerVersion()}"`);
});

test("plain Terraform applies, flips in place and destroys the hand-written example", async () => {
  const gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor: "apisix" });
  const dir = path.join(REPO_ROOT, ".e2e", `provider-hcl-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    copyFileSync(EXAMPLE, path.join(dir, "main.tf"));
    execFileSync(process.execPath, [CLI, "provider", "install", "."], { cwd: dir });
    // asynchronous: the embedded gateway answers from this process's event loop
    const tf = async (...args: string[]): Promise<string> => {
      const child = spawn("terraform", [...args, "-no-color", "-input=false"], {
        cwd: dir,
        env: { ...process.env, GATEWAY_ADMIN_KEY: ADMIN_KEY, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      if (code !== 0) throw new Error(output);
      expect(output).not.toContain(ADMIN_KEY);
      return output;
    };
    const url = `admin_url=${gateway.adminUrl}`;
    await tf("init");
    await tf("apply", "-auto-approve", "-var", url);
    const flip = await tf("plan", "-var", url, "-var", "active=green");
    expect(flip).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
    await tf("apply", "-auto-approve", "-var", url, "-var", "active=green");
    expect(await tf("plan", "-var", url, "-var", "active=green")).toContain("No changes.");
    await tf("destroy", "-auto-approve", "-var", url, "-var", "active=green");
    const res = await fetch(`${gateway.adminUrl}/apisix/admin/routes`, { headers: { "X-API-KEY": ADMIN_KEY } });
    expect(((await res.json()) as { list?: unknown[] }).list ?? []).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await gateway.close();
  }
});
