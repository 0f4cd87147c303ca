/**
 * The V8 code cache of the bundled programs (lib/bundle): the real launcher `dist/hook/bluegreen-hook.cjs` run with
 * `node`, its cache folder set by BLUEGREEN_CODE_CACHE. A first run writes a private cache file named by the program,
 * its source hash, Node and the architecture; a second run uses it (accepted: not rewritten); a run that compiles
 * clearly more writes it again; a corrupt file is
 * rejected by V8 and replaced; a folder others may write, a cache file that is a link, and `off` are never used.
 * Needs `npm run build`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { codeCacheDir, CODE_CACHE_ENV } from "../../lib/bundle/code-cache";
import { programFileOf } from "../../lib/bundle/program-file";

const LAUNCHER = resolve(__dirname, "../../dist/hook/bluegreen-hook.cjs");
let dir: string;

beforeAll(() => {
  if (!existsSync(LAUNCHER)) throw new Error(`${LAUNCHER} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), "bluegreen-code-cache-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `node bluegreen-hook.cjs --help` with the cache in `cache`; its output. */
function runHelp(cache: string): string {
  return execFileSync(process.execPath, [LAUNCHER, "--help"], { env: { PATH: process.env.PATH, [CODE_CACHE_ENV]: cache }, encoding: "utf8" });
}

const USAGE = /^usage: bluegreen hook <apply\|destroy\|sweep\|teardown>/;
const CACHE_FILE = new RegExp(`^bluegreen-hook\\.program\\.cjs-[0-9a-f]{32}-${process.version.replace(/\./g, "\\.")}-${process.arch}\\.bin$`);

test("where the cache lives: XDG or ~/.cache by default, an absolute path moves it, off (or a relative path, or Windows) turns it off", () => {
  expect(codeCacheDir({}, "linux")).toBe(join(homedir(), ".cache", "cdktf-apisix-bluegreen", "code-cache"));
  expect(codeCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "darwin")).toBe("/x/cache/cdktf-apisix-bluegreen/code-cache");
  expect(codeCacheDir({ XDG_CACHE_HOME: "relative" }, "linux")).toBe(join(homedir(), ".cache", "cdktf-apisix-bluegreen", "code-cache"));
  expect(codeCacheDir({ [CODE_CACHE_ENV]: "/elsewhere" }, "linux")).toBe("/elsewhere");
  expect(codeCacheDir({ [CODE_CACHE_ENV]: "off" }, "linux")).toBeUndefined();
  expect(codeCacheDir({ [CODE_CACHE_ENV]: "some/relative" }, "linux")).toBeUndefined();
  expect(codeCacheDir({}, "win32")).toBeUndefined();
});

test("a first run writes a private cache file, a second run uses it as it is", () => {
  const cache = join(dir, "fresh", "nested");
  const uncached = execFileSync(process.execPath, [programFileOf(LAUNCHER), "--help"], { encoding: "utf8" });
  expect(runHelp(cache)).toBe(uncached);
  expect(uncached).toMatch(USAGE);
  const [name, ...others] = readdirSync(cache);
  expect(others).toEqual([]);
  expect(name).toMatch(CACHE_FILE);
  expect(statSync(cache).mode & 0o777).toBe(0o700);
  const file = join(cache, name);
  const first = statSync(file);
  expect(first.mode & 0o777).toBe(0o600);
  expect(first.size).toBeGreaterThan(1_000);

  expect(runHelp(cache)).toBe(uncached);
  const second = statSync(file);
  // accepted by V8: not written again (a rejected or missing cache is replaced by a new file)
  expect({ ino: second.ino, mtimeMs: second.mtimeMs }).toEqual({ ino: first.ino, mtimeMs: first.mtimeMs });
});

test("a run that compiles clearly more than the cache holds writes it again, so the cache grows to what runs use", () => {
  const cache = join(dir, "growing");
  runHelp(cache);
  const [name] = readdirSync(cache);
  const small = statSync(join(cache, name));
  // a request the schema refuses: the hook parses it, loads the messages and formats the error
  const refused = spawnSync(process.execPath, [LAUNCHER, "apply"], {
    env: { PATH: process.env.PATH, [CODE_CACHE_ENV]: cache, BLUEGREEN_REQUEST: JSON.stringify({ kind: "object" }) },
    encoding: "utf8",
  });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/^bluegreen: BLUEGREEN_REQUEST does not match the hook input schema \(method: /);
  const grown = statSync(join(cache, name));
  expect(grown.ino).not.toBe(small.ino);
  expect(grown.size).toBeGreaterThan(small.size * 1.05);
});

test("a corrupt cache file is rejected and replaced; the program runs the same", () => {
  const cache = join(dir, "corrupt");
  runHelp(cache);
  const [name] = readdirSync(cache);
  const garbage = Buffer.alloc(4_096, 0x5a);
  writeFileSync(join(cache, name), garbage, { mode: 0o600 });
  expect(runHelp(cache)).toMatch(USAGE);
  const replaced = readFileSync(join(cache, name));
  expect(replaced.equals(garbage)).toBe(false);
  expect(replaced.length).toBeGreaterThan(1_000);
});

test("a folder others may write is never used, nor is a cache file that is a link; off writes nothing", () => {
  const shared = join(dir, "shared");
  mkdirSync(shared, { mode: 0o700 });
  chmodSync(shared, 0o777);
  expect(runHelp(shared)).toMatch(USAGE);
  expect(readdirSync(shared)).toEqual([]);

  // a link planted where the cache file goes: not read, and replaced as a link (its target is left alone)
  const linked = join(dir, "linked");
  runHelp(linked);
  const [name] = readdirSync(linked);
  const target = join(dir, "target.bin");
  writeFileSync(target, "not a code cache");
  rmSync(join(linked, name));
  symlinkSync(target, join(linked, name));
  expect(runHelp(linked)).toMatch(USAGE);
  expect(readFileSync(target, "utf8")).toBe("not a code cache");
  expect(lstatSync(join(linked, name)).isFile()).toBe(true);

  const before = readdirSync(dir).sort();
  expect(runHelp("off")).toMatch(USAGE);
  expect(readdirSync(dir).sort()).toEqual(before);
});
