import "cdktf/lib/testing/adapters/jest";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DataResource, TerraformStack, Testing } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { REPO_ROOT } from "../helper/terraform";

/** A fake `terraform` that logs each call and prints `version`; cdktf reads TERRAFORM_BINARY_NAME. */
function fakeTerraform(version: string): { binary: string; calls: () => number } {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-tf-"));
  const log = path.join(dir, "calls.log");
  const binary = path.join(dir, "terraform");
  writeFileSync(binary, `#!/bin/sh\necho call >> "${log}"\necho "Terraform v${version}"\n`);
  chmodSync(binary, 0o755);
  writeFileSync(log, "");
  return { binary, calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean).length };
}

function stackWithRoutes(routes: number): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "stack");
  const gateway = new GatewayConnection(stack, "gateway", { adminUrl: "http://127.0.0.1:9180" });
  const service = new BlueGreenService(stack, "service", {
    gateway,
    serviceId: "svc",
    blue: { nodes: [{ host: "10.0.0.1", port: 80 }] },
    green: { nodes: [{ host: "10.0.0.2", port: 80 }] },
  });
  for (let i = 0; i < routes; i++) new BlueGreenRoute(stack, `r${i}`, { service, routeId: `r${i}`, paths: [`/r${i}`] });
  return stack;
}

/** Synthesizes a stack with `routes` routes, validations on, in a fresh process (cdktf reads the binary name once). */
function synthInChild(routes: number, terraformBinary: string): { ok: boolean; output: string } {
  const script = `
    const { TerraformStack, Testing } = require("cdktf");
    const { BlueGreenRoute, BlueGreenService, GatewayConnection } = require("./dist/lib");
    const stack = new TerraformStack(Testing.app(), "stack");
    const gateway = new GatewayConnection(stack, "gateway", { adminUrl: "http://127.0.0.1:9180" });
    const service = new BlueGreenService(stack, "service", { gateway, serviceId: "svc",
      blue: { nodes: [{ host: "10.0.0.1", port: 80 }] }, green: { nodes: [{ host: "10.0.0.2", port: 80 }] } });
    for (let i = 0; i < ${routes}; i++) new BlueGreenRoute(stack, "r" + i, { service, routeId: "r" + i, paths: ["/r" + i] });
    const out = JSON.parse(Testing.synth(stack, true));
    console.log("resources=" + Object.keys(out.resource.terraform_data).length);`;
  try {
    const output = execFileSync("node", ["-e", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, TERRAFORM_BINARY_NAME: terraformBinary },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { ok: true, output };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("TerraformData", () => {
  test("checks the Terraform version once per connection, not once per object", () => {
    const tf = fakeTerraform("1.11.4");
    const result = synthInChild(20, tf.binary); // 2 upstreams + service + 20 routes + sweep + teardown
    expect(result).toEqual({ ok: true, output: "resources=25\n" });
    expect(tf.calls()).toBe(1);
  });

  test("fails synth on a Terraform without terraform_data, naming the connection", () => {
    const tf = fakeTerraform("1.3.9");
    const result = synthInChild(1, tf.binary);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/\[stack\/gateway\] \S*terraform version 1\.3\.9 is lower than the required version >=1\.4/);
  });

  test("is what cdktf's DataResource matchers and users' tests look for", () => {
    const synthesized = Testing.synth(stackWithRoutes(1));
    expect(synthesized).toHaveResourceWithProperties(DataResource, {
      input: expect.objectContaining({ route: "r0", paths: ["/r0"] }),
      lifecycle: { create_before_destroy: true },
    });
  });
});
