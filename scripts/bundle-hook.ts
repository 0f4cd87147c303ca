/**
 * Bundles the hook (`lib/hook/hook-main.ts` and everything it loads, zod included) into one file,
 * `dist/hook/bluegreen-hook.cjs`, that runs with nothing but `node`. Run by `npm run build` after `tsc`. esbuild's
 * output depends only on its input and version, so the same package version always ships the same bytes.
 *
 * The entry is the TypeScript source, not tsc's CommonJS output: esbuild then sees ES module imports and keeps only
 * what the hook uses (`zod/mini` tree-shakes to the few schemas of the hook input). Every byte of the file is read
 * and pre-parsed at each start of the hook, so its size is part of the cold start Terraform pays per object.
 * `--analyze` prints what each input contributes.
 */
import { analyzeMetafileSync, buildSync } from "esbuild";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

const result = buildSync({
  entryPoints: [path.join(root, "lib", "hook", "hook-main.ts")],
  outfile: path.join(root, "dist", "hook", "bluegreen-hook.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
  // lib/client/undici-lite.ts falls back to the whole of undici if its internal layout changes; the bundle is built
  // against one undici version, whose layout it has, so the fallback is never taken and is left out of the file.
  external: ["undici"],
  metafile: true,
});

if (process.argv.includes("--analyze")) process.stdout.write(analyzeMetafileSync(result.metafile));
