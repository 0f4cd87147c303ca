/**
 * Bundles the Terraform provider (`dist/lib/provider/provider-main.js` and everything it loads) into one file,
 * `dist/provider/bluegreen-provider.cjs`, that runs with nothing but `node`; synthesis copies it into each stack's
 * `terraform.d/plugins`. Run by `npm run build` after `tsc`. esbuild's output depends only on its input and version,
 * so the same package version always ships the same bytes (and the lock file's hashes stay valid).
 */
import { buildSync } from "esbuild";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

buildSync({
  entryPoints: [path.join(root, "dist", "lib", "provider", "provider-main.js")],
  outfile: path.join(root, "dist", "provider", "bluegreen-provider.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});
