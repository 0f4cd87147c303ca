/**
 * Bundles the hook (`dist/lib/hook/hook-main.js` and everything it loads, zod and undici included) into one file,
 * `dist/hook/bluegreen-hook.cjs`, that runs with nothing but `node`, and the release guardian the hook starts
 * (`dist/lib/release/guardian.js`) into `dist/hook/guardian.js`, beside it, where the hook looks for it. Run by
 * `npm run build` after `tsc`. Synthesis lays the whole folder into every stack folder (lib/constructs/hook-bundle.ts),
 * so the folder holds only what this build writes. Each file is replaced atomically (a synth running meanwhile
 * copies the old file or the new one, never half of one). esbuild's output depends only on its input and version,
 * so the same package version always ships the same bytes.
 */
import { buildSync } from "esbuild";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { HOOK_BUNDLE_DIR, HOOK_BUNDLE_FILE } from "../lib/model/hook-command";

const root = path.resolve(__dirname, "..", "..");
const outDir = path.join(root, HOOK_BUNDLE_DIR);

const bundle = (entry: string): Uint8Array =>
  buildSync({
    entryPoints: [path.join(root, "dist", "lib", entry)],
    write: false,
    outfile: path.join(outDir, "out.cjs"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
  }).outputFiles[0].contents;

const files: Record<string, Uint8Array | string> = {
  [HOOK_BUNDLE_FILE]: bundle(path.join("hook", "hook-main.js")),
  // the name the hook's `DEFAULT_GUARDIAN_SCRIPT` (beside the running module) expects
  "guardian.js": bundle(path.join("release", "guardian.js")),
  // `.js` files here are CommonJS even when a folder above the stack folder says `"type": "module"`
  "package.json": `${JSON.stringify({ type: "commonjs" })}\n`,
};

mkdirSync(outDir, { recursive: true });
for (const [name, contents] of Object.entries(files)) {
  const temp = path.join(outDir, `.${name}.${process.pid}.tmp`);
  writeFileSync(temp, contents);
  renameSync(temp, path.join(outDir, name));
}
// a concurrent build's temp files are its own
for (const name of readdirSync(outDir)) if (!(name in files) && !name.endsWith(".tmp")) rmSync(path.join(outDir, name), { recursive: true, force: true });
