/**
 * Bundles the two programs Terraform runs into one file each, that runs with nothing but `node`:
 * - the hook, `lib/hook/hook-main.ts` -> `dist/hook/bluegreen-hook.cjs`, which synthesis lays into each stack folder
 *   (lib/constructs/hook-bundle.ts);
 * - the provider, `lib/provider/provider-main.ts` -> `dist/provider/bluegreen-provider.cjs`, which synthesis lays into
 *   each stack's `terraform.d/plugins` (lib/provider/install-provider.ts).
 * Each is two files: the launcher Terraform runs (`<name>.cjs`, lib/bundle/program-loader.ts) and the program it
 * loads through a V8 code cache (`<name>.program.cjs`). Each program is also the release guardian its releases start
 * (`<file> guardian`), so nothing else lies beside it, and each folder holds only what this build writes, each file
 * replaced atomically (a synth running meanwhile copies the old
 * file or the new one, never half of one). Run by `npm run build` after `tsc`. esbuild's output depends only on its
 * input and version, so the same package version always ships the same bytes (and the provider's lock-file hashes
 * stay valid).
 *
 * The entries are the TypeScript sources, not tsc's CommonJS output: esbuild then sees ES module imports and keeps
 * only what is used (`zod/mini` tree-shakes to the few schemas of the hook input). Every byte of a file is read and
 * pre-parsed at each start, so its size is part of the cold start Terraform pays per hook and per provider process.
 * `--analyze` prints what each input contributes.
 */
import { analyzeMetafile, build, type Plugin } from "esbuild";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { programFileOf } from "../lib/bundle/program-file";
import { HOOK_BUNDLE_DIR, HOOK_BUNDLE_FILE } from "../lib/model/hook-command";
import { PROVIDER_BUNDLE, PROVIDER_BUNDLE_DIR } from "../lib/provider/provider-address";
import { buildCertificateTemplate } from "../lib/provider/protocol/certificate-template";
import { staticWireCode } from "./static-wire-code";

const root = path.resolve(__dirname, "..", "..");

/**
 * A module the bundle leaves out: importing `specifier` gives a module that throws `reason` when it is evaluated.
 * Each is one that the code paths of these programs never reach, so carrying it would only cost its parse at every
 * start.
 */
function leftOut(specifier: string, reason: string): Plugin {
  const filter = new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`);
  return {
    name: `left-out:${specifier}`,
    setup(b) {
      b.onResolve({ filter }, () => ({ path: specifier, namespace: "left-out" }));
      b.onLoad({ filter, namespace: "left-out" }, () => ({
        contents: `throw new Error(${JSON.stringify(reason)});`,
        loader: "js",
      }));
    },
  };
}

const leftOutModules: Plugin[] = [
  /**
   * grpc-js requires @grpc/proto-loader (and with it a second protobufjs, long and lodash.camelcase: ~120 KB) only to
   * serve channelz and ORCA, which a plugin server never enables (serve-provider.ts sets grpc.enable_channelz to 0).
   */
  leftOut("@grpc/proto-loader", "this bundle leaves out @grpc/proto-loader: channelz and ORCA are not served"),
];

/**
 * Gives the bundle `contents` (CommonJS) in place of the source module `lib/provider/protocol/<file>`: the static
 * code the build computes for a module that the sources compute at run time.
 */
function computedAtBuild(file: string, contents: string): Plugin {
  const filter = new RegExp(`[\\\\/]lib[\\\\/]provider[\\\\/]protocol[\\\\/]${file.replace(/\./g, "\\.")}$`);
  return {
    name: `computed-at-build:${file}`,
    setup(b) {
      b.onLoad({ filter }, () => ({ contents, loader: "js", resolveDir: root }));
    },
  };
}

async function compile(entry: string, outfile: string, plugins: Plugin[] = []) {
  return build({
    entryPoints: [path.join(root, entry)],
    outfile,
    write: false,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
    plugins: [...leftOutModules, ...plugins],
    metafile: true,
  });
}

/**
 * A real `import()` left in a program would fail under the launcher (a `vm.Script` has no module loader); esbuild
 * turns every import of bundled code into `require`, so one can only come from a dependency.
 */
const DYNAMIC_IMPORT = /(?<![\w$.])import\(/;

/** Bundles the program `entry` and its launcher into `outDir` as `<file>` and `<file without .cjs>.program.cjs`. */
async function bundle(entry: string, outDir: string, file: string, plugins: Plugin[] = []): Promise<string> {
  const dir = path.join(root, outDir);
  const programFile = path.basename(programFileOf(file));
  const [program, launcher] = await Promise.all([
    compile(entry, path.join(dir, programFile), plugins),
    compile(path.join("lib", "bundle", "program-loader.ts"), path.join(dir, file)),
  ]);
  const code = program.outputFiles[0].text;
  if (DYNAMIC_IMPORT.test(code)) throw new Error(`${entry}: the bundle holds a dynamic import(), which its launcher cannot run`);
  mkdirSync(dir, { recursive: true });
  const written = [
    [programFile, program.outputFiles[0].contents],
    [file, launcher.outputFiles[0].contents],
  ] as const;
  for (const [name, contents] of written) {
    const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(temp, contents);
    renameSync(temp, path.join(dir, name));
  }
  // a concurrent build's temp files are its own
  for (const name of readdirSync(dir)) {
    if (!written.some(([w]) => w === name) && !name.endsWith(".tmp")) rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  return analyzeMetafile(program.metafile);
}

async function main(): Promise<void> {
  const analyses = await Promise.all([
    bundle(path.join("lib", "hook", "hook-main.ts"), HOOK_BUNDLE_DIR, HOOK_BUNDLE_FILE),
    bundle(path.join("lib", "provider", "provider-main.ts"), PROVIDER_BUNDLE_DIR, PROVIDER_BUNDLE, [
      // the message types' static code (static-wire-code.ts); only the sources' fallback resolves the descriptors by
      // reflection
      computedAtBuild("wire-static.ts", await staticWireCode()),
      leftOut("protobufjs/light", "this bundle leaves out protobufjs's reflection: its message types are static code"),
      // the certificate template; only the sources build it at run time
      computedAtBuild("certificate-static.ts", `exports.STATIC_CERTIFICATE_TEMPLATE = ${JSON.stringify(buildCertificateTemplate())};\n`),
      leftOut("asn1js", "this bundle leaves out asn1js: its certificate template is computed at build"),
    ]),
  ]);
  if (process.argv.includes("--analyze")) process.stdout.write(analyses.join("\n"));
}

main().catch((error: unknown) => {
  process.stderr.write(`bundle: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
