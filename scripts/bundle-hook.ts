/**
 * Bundles the hook (`dist/lib/hook/hook-main.js` and everything it loads, zod and undici included) into one file,
 * `dist/hook/bluegreen-hook.cjs`, that runs with nothing but `node`, and the release guardian the hook starts
 * (`dist/lib/release/guardian.js`) into `dist/hook/guardian.js`, beside it, where the hook looks for it. Run by
 * `npm run build` after `tsc`. Synthesis lays the whole folder into every stack folder (lib/constructs/hook-bundle.ts).
 * esbuild's output depends only on its input and version, so the same package version always ships the same bytes.
 */
import { buildSync } from "esbuild";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { HOOK_BUNDLE_DIR, HOOK_BUNDLE_FILE } from "../lib/model/hook-command";

const root = path.resolve(__dirname, "..", "..");
const outDir = path.join(root, HOOK_BUNDLE_DIR);
// only what this build writes: the whole folder is laid into stack folders
rmSync(outDir, { recursive: true, force: true });

const bundle = (entry: string, outfile: string) =>
  buildSync({
    entryPoints: [path.join(root, "dist", "lib", entry)],
    outfile: path.join(outDir, outfile),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
  });

bundle(path.join("hook", "hook-main.js"), HOOK_BUNDLE_FILE);
// the name the hook's `DEFAULT_GUARDIAN_SCRIPT` (beside the running module) expects
bundle(path.join("release", "guardian.js"), "guardian.js");
// `.js` files here are CommonJS even when a folder above the stack folder says `"type": "module"`
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
