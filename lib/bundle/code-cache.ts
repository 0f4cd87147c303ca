/**
 * A V8 code cache for the bundled programs Terraform starts once per hook and per provider process: the bytecode V8
 * compiled in an earlier run, so that a start skips parsing and compiling the bundle (Node 20 has no built-in compile
 * cache; Node 22's `module.enableCompileCache()` does the same).
 *
 * A cache file is code that the next run executes, so it is only read from, and written to, a folder that belongs to
 * the current user and that nobody else can write (and a file that is the user's own, not a link): by default
 * `$XDG_CACHE_HOME/cdktf-apisix-bluegreen/code-cache` or `~/.cache/cdktf-apisix-bluegreen/code-cache`, created with
 * mode 0700. `BLUEGREEN_CODE_CACHE=off` turns it off, an absolute path moves it. A file is named by the program, the
 * sha256 of its source and of Node's options (its command-line flags and NODE_OPTIONS: V8 rejects a cache made under
 * other flags, so runs with and without, say, `--max-old-space-size` keep a file each instead of replacing each
 * other's), the Node version and the architecture; V8 itself rejects data from another V8 (the run then writes a
 * fresh one). Writing a file removes the same program's files of other sources, options, Node versions or
 * architectures not written for `STALE_AFTER_MS` (a file in use is never rewritten, so an old version still in use
 * loses its file once a month and writes it again). Nothing here may fail a run: any problem means no cache.
 */
import { createHash } from "node:crypto";
import {
  constants,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";

/** A cache file of another build of the same program that was written this long ago is removed (30 days). */
export const STALE_AFTER_MS = 30 * 24 * 60 * 60 * 1000;

/** The variable that turns the cache off (`off`) or moves it (an absolute path). */
export const CODE_CACHE_ENV = "BLUEGREEN_CODE_CACHE";
/** Set to 1, a launcher reports on stderr, as it exits, what it did with the cache (program-loader.ts). */
export const CODE_CACHE_REPORT_ENV = "BLUEGREEN_CODE_CACHE_REPORT";

/** The cache folder for `env`, or undefined when the cache is off (also on Windows, which has no owner check here). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const setting = env[CODE_CACHE_ENV];
  if (platform === "win32" || setting === "off") return undefined;
  if (setting !== undefined && setting !== "") return isAbsolute(setting) ? setting : undefined;
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), ".cache"), "cdktf-apisix-bluegreen", "code-cache");
}

/** Owned by this user and writable by nobody else. */
function ownAndPrivate(stats: Stats): boolean {
  return stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0;
}

/** One program's cache file, and the data it held if it was safe to read. */
export interface CodeCacheEntry {
  readonly file: string;
  /** The start of the file names of every build of this program (`<program>-`). */
  readonly prefix: string;
  readonly data?: Buffer;
}

/** This process's Node options: its command-line flags and NODE_OPTIONS. */
export function nodeOptions(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string {
  return [...execArgv, env.NODE_OPTIONS ?? ""].join("\0");
}

/**
 * The cache entry of `programName` with `source` (its text, or the bytes of its UTF-8 file: the same digest) run with
 * `options` (`nodeOptions()`) in `dir` (created if missing), or undefined when `dir` is not a private folder of this
 * user (then nothing is read or written).
 */
export function codeCacheEntry(
  dir: string,
  programName: string,
  source: string | Uint8Array,
  options = nodeOptions(),
): CodeCacheEntry | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const folder = lstatSync(dir);
    if (!folder.isDirectory() || !ownAndPrivate(folder)) return undefined;
    const digest = createHash("sha256").update(source).update("\0").update(options).digest("hex").slice(0, 32);
    const prefix = `${programName}-`;
    const file = join(dir, `${prefix}${digest}-${process.version}-${process.arch}.bin`);
    return { file, prefix, data: readPrivateFile(file) };
  } catch {
    return undefined;
  }
}

function readPrivateFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    return stats.isFile() && ownAndPrivate(stats) ? readFileSync(fd) : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to the entry's file (mode 0600, replaced atomically: parallel runs each write a whole file); false
 * when it could not.
 */
export function writeCodeCache(entry: CodeCacheEntry, data: Buffer): boolean {
  const temp = `${entry.file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600, flag: "wx" });
    renameSync(temp, entry.file);
  } catch {
    rmSync(temp, { force: true });
    return false;
  }
  removeStale(entry);
  return true;
}

/**
 * Removes the files beside the entry's of the same program (other builds, and temporary files a killed run left)
 * that were written more than `STALE_AFTER_MS` ago.
 */
function removeStale(entry: CodeCacheEntry): void {
  const dir = dirname(entry.file);
  const own = basename(entry.file);
  const now = Date.now();
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(entry.prefix) || name === own) continue;
      const other = join(dir, name);
      const stats = lstatSync(other);
      if (stats.isFile() && now - stats.mtimeMs > STALE_AFTER_MS) rmSync(other, { force: true });
    }
  } catch {
    // the next write tries again
  }
}
