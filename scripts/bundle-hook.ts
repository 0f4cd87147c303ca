/**
 * Bundles the hook (`dist/lib/hook/hook-main.js` and everything it loads, zod and undici included) into one file,
 * `dist/hook/bluegreen-hook.cjs`, that runs with nothing but `node`. Run by `npm run build` after `tsc`. esbuild's
 * output depends only on its input and version, so the same package version always ships the same bytes.
 */
import { buildSync } from "esbuild";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

buildSync({
  entryPoints: [path.join(root, "dist", "lib", "hook", "hook-main.js")],
  outfile: path.join(root, "dist", "hook", "bluegreen-hook.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});
