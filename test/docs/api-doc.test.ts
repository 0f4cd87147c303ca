/** API.md is generated from the code's documentation; it must match what `npm run docs` writes today. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

test("API.md is what typedoc generates from lib/index.ts (run `npm run docs` after changing public docs)", () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "bluegreen-api-doc-"));
  try {
    const typedoc = path.join(REPO_ROOT, "node_modules", "typedoc", "bin", "typedoc");
    const run = spawnSync(process.execPath, [typedoc, "--out", out], { cwd: REPO_ROOT, encoding: "utf8" });
    // typedoc warns when a public signature refers to a type lib/index.ts does not export; warnings are errors here
    expect({ status: run.status, output: `${run.stdout}${run.stderr}`.split("\n").filter((l) => /\[(warning|error)\]/.test(l)) }).toEqual({ status: 0, output: [] });
    const generated = readFileSync(path.join(out, "API.md"), "utf8");
    const committed = readFileSync(path.join(REPO_ROOT, "API.md"), "utf8");
    expect(committed === generated ? "up to date" : "API.md is stale: run `npm run docs` and commit API.md").toBe(
      "up to date",
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
