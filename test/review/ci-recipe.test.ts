/**
 * docs/ci.md (issue 10): the review job's commands, run here without GitHub: synthesize the base (active blue) and
 * the head (the flip) of the seed stack with the built package, then `bluegreen review --base ../base.out --format
 * markdown` from the head's project directory, as the workflow does. Needs `npm run build`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../helper/terraform";

const REVIEW_COMMAND = "npx bluegreen review --base ../base.out --format markdown";
const CLI = path.join(REPO_ROOT, "dist", "lib", "cli", "bluegreen.js");
const APP = path.join(REPO_ROOT, "dist", "main.js");

describe("the CI recipe (docs/ci.md)", () => {
  const root = path.join(REPO_ROOT, ".e2e", `ci-recipe-${process.pid}`);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("the workflow synthesizes base and head and posts bluegreen review's markdown", () => {
    const doc = readFileSync(path.join(REPO_ROOT, "docs", "ci.md"), "utf8");
    expect(doc).toContain("npx cdktf synth --output ../base.out");
    expect(doc).toContain(`${REVIEW_COMMAND} > ../review.md`);
    expect(doc).toContain("--body-file review.md");
    // on merge: synth uploads the stack folder, apply runs terraform on it with neither checkout nor npm ci
    expect(doc).toContain("run: npm ci && npx cdktf synth");
    expect(doc).toContain("path: cdktf.out/stacks/blue-green");
    expect(doc).toContain("terraform -chdir=blue-green init -input=false && terraform -chdir=blue-green apply -input=false -auto-approve");
    const apply = doc.slice(doc.indexOf("\n  apply:\n"), doc.indexOf("\n  drift:\n"));
    expect(apply).not.toMatch(/checkout|npm ci/);
  });

  test("the same commands on a flip give the markdown comment; exit 2", () => {
    const head = path.join(root, "head");
    mkdirSync(head, { recursive: true });
    writeFileSync(path.join(head, "cdktf.json"), JSON.stringify({ language: "typescript", app: `node ${APP}` }));
    // `cdktf synth [--output DIR]` runs the app with CDKTF_OUTDIR set: the same, without the cdktf CLI's start-up
    const synth = (outdir: string, active: string) => {
      const res = spawnSync(process.execPath, [APP], {
        env: { ...process.env, CDKTF_OUTDIR: outdir, ACTIVE_COLOR: active, CHECKPOINT_DISABLE: "1" },
        encoding: "utf8",
      });
      expect(res.stderr).toBe("");
      expect(res.status).toBe(0);
    };
    synth(path.join(root, "base.out"), "blue");
    synth(path.join(head, "cdktf.out"), "green");

    const args = REVIEW_COMMAND.split(" ").slice(2); // `review --base ...`, after `npx bluegreen`
    const review = spawnSync(process.execPath, [CLI, ...args], { cwd: head, encoding: "utf8" });
    expect(review.stderr).toBe("");
    expect(review.status).toBe(2);
    expect(review.stdout.split("\n")).toEqual([
      "### bluegreen review",
      "",
      "Compared with the synth output ../base.out.",
      "",
      "| service | color | before | after | nodes |",
      "| --- | --- | --- | --- | --- |",
      "| blue-green-service | blue | 100% | **0%** |  |",
      "| blue-green-service | green | 0% | **100%** |  |",
      "",
      "- service `blue-green-service`: blue 100% -> 0%, green 0% -> 100% (routes GET /headers; preview X-Env)",
      "- route `blue-green-route`: no change (GET /headers -> service blue-green-service)",
      "",
      "**Revert:** reverting this change (git revert, then deploy): service blue-green-service back to blue 100%, green 0%",
      "",
    ]);
  });
});
