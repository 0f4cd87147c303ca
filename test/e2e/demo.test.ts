/**
 * `npm run demo` is the README's first command: run it for real (cdktf deploy of main.ts three times against the
 * embedded gateway) and check where its requests landed.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../helper/terraform";

jest.setTimeout(240_000);

test("the demo deploys blue, flips to green, previews and rolls back", async () => {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile("node", [path.join(REPO_ROOT, "dist", "scripts", "demo.js")], { cwd: REPO_ROOT, timeout: 220_000 }, (err, stdout, stderr) =>
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
});
