/**
 * A V8 code cache for the bundled programs Terraform starts once per hook and per provider process: the bytecode V8
 * compiled in an earlier run, so that a start skips parsing and compiling the bundle (Node 20 has no built-in compile
 * cache; Node 22's `module.enableCompileCache()` does the same).
 *
 * A cache file is code that the next run executes, so it is only read from, and written to, a folder that belongs to
 * the current user and that nobody else can write (and a file that is the user's own, not a link): by default
 * `$XDG_CACHE_HOME/cdktf-apisix-bluegreen/code-cache` or `~/.cache/cdktf-apisix-bluegreen/code-cache`, created with
 * mode 0700. `BLUEGREEN_CODE_CACHE=off` turns it off, an absolute path moves it.
 *
 * A file holds the program's source bytes beside V8's data, and its data is used only when they equal the program's
 * byte for byte: V8 checks only the source's length, and a cache of another source would run that source's bytecode.
 * Comparing costs microseconds where hashing would load node:crypto (~2 ms of a hook's start). V8 itself rejects data
 * made under other V8 flags or by another V8 (the run then writes a fresh one). A file is named by the program, its
 * size, a short hash of Node's options (its command-line flags and NODE_OPTIONS: runs with and without, say,
 * `--max-old-space-size` keep a file each instead of replacing each other's; the options themselves are not written),
 * the Node version and the architecture. Writing a file removes the same program's files of other sources, options,
 * Node versions or architectures not written for `STALE_AFTER_MS` (a file in use is never rewritten, so an old version
 * still in use loses its file once a month and writes it again). Nothing here may fail a run: any problem means no
 * cache.
 */
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

/** One program's cache file, and the data it held for this program if it was safe to read. */
export interface CodeCacheEntry {
  readonly file: string;
  /** The start of the file names of every build of this program (`<program>-`). */
  readonly prefix: string;
  /** The program's source bytes, which the file holds beside V8's data. */
  readonly source: Uint8Array;
  /** V8's data, when the file holds it for exactly this source. */
  readonly data?: Buffer;
  /** The file was there but held something else: another source's cache, or not a cache file of ours. */
  readonly mismatched: boolean;
}

/** This process's Node options: its command-line flags and NODE_OPTIONS. */
export function nodeOptions(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string {
  return [...execArgv, env.NODE_OPTIONS ?? ""].join("\0");
}

/**
 * The cache entry of `programName`, whose file holds `source` (its bytes), for runs with `options` (`nodeOptions()`),
 * in `dir` (created if missing), or undefined when `dir` is not a private folder of this user (then nothing is read or
 * written).
 */
export function codeCacheEntry(dir: string, programName: string, source: Uint8Array, options = nodeOptions()): CodeCacheEntry | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const folder = lstatSync(dir);
    if (!folder.isDirectory() || !ownAndPrivate(folder)) return undefined;
    const prefix = `${programName}-`;
    const file = join(dir, `${prefix}${source.length}-${fnv1a32(options)}-${process.version}-${process.arch}.bin`);
    const held = readPrivateFile(file);
    const data = held === undefined ? undefined : dataFor(held, source);
    return { file, prefix, source, data, mismatched: held !== undefined && data === undefined };
  } catch {
    return undefined;
  }
}

/** A file: this line, the source's byte length (uint32 little-endian), the source and V8's data. */
const MAGIC = "cdktf-apisix-bluegreen code cache 1\n";
const HEADER_BYTES = MAGIC.length + 4;

/** V8's data in `held` when it was written for exactly `source`. */
function dataFor(held: Buffer, source: Uint8Array): Buffer | undefined {
  if (held.length < HEADER_BYTES || held.toString("latin1", 0, MAGIC.length) !== MAGIC) return undefined;
  const end = HEADER_BYTES + source.length;
  if (held.readUInt32LE(MAGIC.length) !== source.length || held.length <= end) return undefined;
  return held.subarray(HEADER_BYTES, end).equals(source) ? held.subarray(end) : undefined;
}

/**
 * FNV-1a, 32 bits, of `text`'s UTF-16 code units, as 8 hex digits: a file-name key only. Two option sets that collide
 * share a file, which V8 rejects under the other's flags (and which is then rewritten): never a wrong cache.
 */
function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
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
 * Writes V8's `data` to the entry's file, with the source it is for (mode 0600, replaced atomically:
 * parallel runs each write a whole file); false when it could not.
 */
export function writeCodeCache(entry: CodeCacheEntry, data: Buffer): boolean {
  const temp = `${entry.file}.${process.pid}.tmp`;
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(MAGIC, 0, "latin1");
    header.writeUInt32LE(entry.source.length, MAGIC.length);
    writeFileSync(temp, Buffer.concat([header, entry.source, data]), { mode: 0o600, flag: "wx" });
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
