/**
 * Bundles the hook (`lib/hook/hook-main.ts` and everything it loads, zod included) into one file,
 * `dist/hook/bluegreen-hook.cjs`, that runs with nothing but `node`; the same file is the release guardian the hook
 * starts (`bluegreen-hook.cjs guardian`). Run by `npm run build` after `tsc`. Synthesis lays the whole folder into
 * every stack folder (lib/constructs/hook-bundle.ts), so the folder holds only what this build writes, each file
 * replaced atomically (a synth running meanwhile copies the old file or the new one, never half of one). esbuild's
 * output depends only on its input and version, so the same package version always ships the same bytes.
 *
 * The entry is the TypeScript source, not tsc's CommonJS output: esbuild then sees ES module imports and keeps only
 * what the hook uses (`zod/mini` tree-shakes to the few schemas of the hook input). Every byte of the file is read
 * and pre-parsed at each start of the hook, so its size is part of the cold start Terraform pays per object.
 * `--analyze` prints what each input contributes.
 */
import { analyzeMetafile, build, type Plugin } from "esbuild";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { HOOK_BUNDLE_DIR, HOOK_BUNDLE_FILE } from "../lib/model/hook-command";

const root = path.resolve(__dirname, "..", "..");
const outDir = path.join(root, HOOK_BUNDLE_DIR);

/**
 * lib/client/undici-lite.ts loads undici's `Agent` and `request` by their internal paths and falls back to the whole
 * package if that layout ever changes. The bundle is built against one undici version, whose layout it has, so the
 * fallback is never taken: it becomes a module that says so instead of 500 KB of undici in every hook start.
 */
const undiciFallbackLeftOut: Plugin = {
  name: "undici-fallback-left-out",
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: "undici", namespace: "left-out" }));
    b.onLoad({ filter: /.*/, namespace: "left-out" }, () => ({
      contents: 'throw new Error("the bundled hook carries undici\'s Agent and request only, not the whole package");',
      loader: "js",
    }));
  },
};

async function main(): Promise<void> {
  const result = await build({
    entryPoints: [path.join(root, "lib", "hook", "hook-main.ts")],
    outfile: path.join(outDir, HOOK_BUNDLE_FILE),
    write: false,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
    plugins: [undiciFallbackLeftOut],
    metafile: true,
  });
  const files: Record<string, Uint8Array> = { [HOOK_BUNDLE_FILE]: result.outputFiles[0].contents };
  mkdirSync(outDir, { recursive: true });
  for (const [name, contents] of Object.entries(files)) {
    const temp = path.join(outDir, `.${name}.${process.pid}.tmp`);
    writeFileSync(temp, contents);
    renameSync(temp, path.join(outDir, name));
  }
  // a concurrent build's temp files are its own
  for (const name of readdirSync(outDir)) {
    if (!(name in files) && !name.endsWith(".tmp")) rmSync(path.join(outDir, name), { recursive: true, force: true });
  }
  if (process.argv.includes("--analyze")) process.stdout.write(await analyzeMetafile(result.metafile));
}

main().catch((error: unknown) => {
  process.stderr.write(`bundle-hook: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
