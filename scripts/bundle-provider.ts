/**
 * Bundles the Terraform provider (`dist/lib/provider/provider-main.js` and everything it loads) into one file,
 * `dist/provider/bluegreen-provider.cjs`, that runs with nothing but `node`, and the release guardian a verified
 * release starts (`dist/lib/release/guardian.js`) into `dist/provider/guardian.js`, beside it, where the release
 * looks for it (`DEFAULT_GUARDIAN_SCRIPT`), as scripts/bundle-hook.ts does for the hook. Synthesis copies the whole
 * folder into each stack's `terraform.d/plugins` (lib/provider/install-provider.ts). Run by `npm run build` after
 * `tsc`. esbuild's output depends only on its input and version, so the same package version always ships the same
 * bytes (and the lock file's hashes stay valid).
 */
import { buildSync } from "esbuild";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROVIDER_BUNDLE, PROVIDER_BUNDLE_DIR } from "../lib/provider/provider-address";

const root = path.resolve(__dirname, "..", "..");
const outDir = path.join(root, PROVIDER_BUNDLE_DIR);
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

bundle(path.join("provider", "provider-main.js"), PROVIDER_BUNDLE);
// the name the release's `DEFAULT_GUARDIAN_SCRIPT` (beside the running module) expects
bundle(path.join("release", "guardian.js"), "guardian.js");
// `.js` files here are CommonJS even when a folder above the stack folder says `"type": "module"`
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
