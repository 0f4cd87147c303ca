/**
 * Finds the cdktf project directory: the nearest ancestor holding `cdktf.json`. Synthesis resolves a relative
 * `tls.caFile` against it (before laying the file into the stack folder), `bluegreen drift` and `review` find the
 * synthesized stacks from it, and the hook falls back to it for a relative `tls_ca_file` written by releases before
 * the stack folder carried the file (Terraform ran them in `cdktf.out/stacks/<stack>`, inside the project).
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** The nearest ancestor of `cwd` (inclusive) that contains `cdktf.json`, or `cwd` itself when there is none. */
export function findProjectRoot(cwd: string): string {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, "cdktf.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(cwd);
    dir = parent;
  }
}

/** `file` if absolute, else `file` resolved against the project root found from `cwd`. */
export function resolveProjectFile(file: string, cwd: string): string {
  return isAbsolute(file) ? file : resolve(findProjectRoot(cwd), file);
}
