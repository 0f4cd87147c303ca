/** The `bluegreen` dispatcher as a user runs it (built CLI). */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../helper/terraform";

const cli = (...args: string[]) =>
  spawnSync("node", [path.join(REPO_ROOT, "dist", "lib", "cli", "bluegreen.js"), ...args], { encoding: "utf8" });

test("--version prints the package version", () => {
  const { version } = require("../../package.json") as { version: string };
  expect(cli("--version")).toMatchObject({ status: 0, stdout: `${version}\n` });
});

test("an unknown command exits 2 with the usage, naming the command", () => {
  const res = cli("deploy");
  expect(res.status).toBe(2);
  expect(res.stderr).toContain('bluegreen: unknown command "deploy"');
  expect(res.stderr).toMatch(/commands:\n\s+gateway .*\n\s+drift .*\n\s+review .*\n\s+hook /);
});
