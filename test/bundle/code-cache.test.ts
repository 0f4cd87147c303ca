/**
 * The V8 code cache of the bundled programs (lib/bundle): the real launcher `dist/hook/bluegreen-hook.cjs` run with
 * `node`, its cache folder set by BLUEGREEN_CODE_CACHE and its report on (BLUEGREEN_CODE_CACHE_REPORT=1, one stderr
 * line saying what V8 did with the cache). A first run writes a private cache file named by the program, its source
 * hash, Node and the architecture; a second run uses it (V8 accepts it; nothing written); a run that compiles clearly
 * more writes it again; a corrupt file is rejected by V8 and replaced; a folder others may write, a cache file that
 * is a link, and `off` are never used. The program's output is the same throughout. Needs `npm run build`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { codeCacheDir, codeCacheEntry, CODE_CACHE_ENV, CODE_CACHE_REPORT_ENV, nodeOptions, STALE_AFTER_MS } from "../../lib/bundle/code-cache";
import { programFileOf } from "../../lib/bundle/program-file";

const LAUNCHER = resolve(__dirname, "../../dist/hook/bluegreen-hook.cjs");
let dir: string;
let usage: string;

beforeAll(() => {
  if (!existsSync(LAUNCHER)) throw new Error(`${LAUNCHER} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), "bluegreen-code-cache-"));
  // the program run directly, without the launcher and its cache
  usage = execFileSync(process.execPath, [programFileOf(LAUNCHER), "--help"], { encoding: "utf8" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the launcher with the cache in `cache`: its exit code, its output and the cache report line. */
function run(cache: string, args = ["--help"], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; report: string } {
  const r = spawnSync(process.execPath, [LAUNCHER, ...args], {
    env: { PATH: process.env.PATH, [CODE_CACHE_ENV]: cache, [CODE_CACHE_REPORT_ENV]: "1", ...env },
    encoding: "utf8",
  });
  const report = r.stderr.split("\n").find((l) => l.startsWith("bluegreen code cache: ")) ?? "";
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, report };
}

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

test("a first run writes a private cache file; a second run has V8 use it and writes nothing", () => {
  const cache = join(dir, "fresh", "nested");
  const first = run(cache);
  expect(first.stdout).toBe(usage);
  const [name, ...others] = readdirSync(cache);
  expect(others).toEqual([]);
  expect(name).toMatch(CACHE_FILE);
  const file = join(cache, name);
  expect(first.report).toBe(`bluegreen code cache: none, written ${file}`);
  expect(statSync(cache).mode & 0o777).toBe(0o700);
  const written = statSync(file);
  expect(written.mode & 0o777).toBe(0o600);
  expect(written.size).toBeGreaterThan(1_000);
  // the launcher hashes the program file's bytes: the name is the one its text gives (caches written before stay valid)
  const program = programFileOf(LAUNCHER);
  const entryOf = (source: string | Buffer) => codeCacheEntry(cache, basename(program), source, nodeOptions([], {}))?.file;
  expect(entryOf(readFileSync(program, "utf8"))).toBe(file);
  expect(entryOf(readFileSync(program))).toBe(file);

  const second = run(cache);
  expect(second.stdout).toBe(usage);
  expect(second.report).toBe(`bluegreen code cache: used ${file}`);
  const kept = statSync(file);
  expect({ ino: kept.ino, mtimeMs: kept.mtimeMs }).toEqual({ ino: written.ino, mtimeMs: written.mtimeMs });
});

test("a run that compiles clearly more than the cache holds writes it again, so the cache grows to what runs use", () => {
  const cache = join(dir, "growing");
  run(cache);
  const [name] = readdirSync(cache);
  const small = statSync(join(cache, name));
  // a request the schema refuses: the hook parses it, loads the messages and formats the error
  const refused = run(cache, ["apply"], { BLUEGREEN_REQUEST: JSON.stringify({ kind: "object" }) });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/^bluegreen: BLUEGREEN_REQUEST does not match the hook input schema \(method: /);
  expect(refused.report).toBe(`bluegreen code cache: used, written ${join(cache, name)}`);
  expect(statSync(join(cache, name)).size).toBeGreaterThan(small.size * 1.05);
});

test("writing a cache file removes the same program's files of other builds written over 30 days ago, and nothing else", () => {
  const cache = join(dir, "stale");
  mkdirSync(cache, { mode: 0o700 });
  const days = (n: number) => new Date(Date.now() - n * 24 * 60 * 60 * 1000);
  const plant = (name: string, age: Date) => {
    writeFileSync(join(cache, name), "old", { mode: 0o600 });
    utimesSync(join(cache, name), age, age);
    return name;
  };
  expect(STALE_AFTER_MS).toBe(30 * 24 * 60 * 60 * 1000);
  const oldBuild = plant(`bluegreen-hook.program.cjs-${"a".repeat(32)}-v18.0.0-x64.bin`, days(31));
  const leftTemp = plant(`bluegreen-hook.program.cjs-${"b".repeat(32)}-${process.version}-${process.arch}.bin.4242.tmp`, days(40));
  const recentBuild = plant(`bluegreen-hook.program.cjs-${"c".repeat(32)}-${process.version}-${process.arch}.bin`, days(29));
  const otherProgram = plant(`bluegreen-provider.program.cjs-${"d".repeat(32)}-${process.version}-${process.arch}.bin`, days(90));
  const notOurs = plant("notes.txt", days(90));

  const first = run(cache);
  expect(first.report).toMatch(/^bluegreen code cache: none, written /);
  const written = first.report.split(" ").pop()!;
  expect(readdirSync(cache).sort()).toEqual([recentBuild, otherProgram, notOurs, written.split("/").pop()!].sort());
  expect([oldBuild, leftTemp].some((name) => existsSync(join(cache, name)))).toBe(false);
});

test("runs under other V8 flags (NODE_OPTIONS) keep a file each instead of replacing each other's", () => {
  const cache = join(dir, "flags");
  const plain = run(cache);
  const big = { NODE_OPTIONS: "--max-old-space-size=4096" };
  const flagged = run(cache, ["--help"], big);
  expect(flagged.stdout).toBe(usage);
  expect(plain.report).toMatch(/^bluegreen code cache: none, written /);
  expect(flagged.report).toMatch(/^bluegreen code cache: none, written /);
  const files = readdirSync(cache);
  expect(files).toHaveLength(2);
  expect(files.every((name) => CACHE_FILE.test(name))).toBe(true);
  // each finds its own, alternately
  expect(run(cache).report).toBe(plain.report.replace("none, written", "used"));
  expect(run(cache, ["--help"], big).report).toBe(flagged.report.replace("none, written", "used"));
  expect(nodeOptions(["--use-openssl-ca"], { NODE_OPTIONS: "--max-old-space-size=4096" })).not.toBe(nodeOptions([], {}));
});

test("a corrupt cache file is rejected by V8 and replaced; the program runs the same", () => {
  const cache = join(dir, "corrupt");
  run(cache);
  const [name] = readdirSync(cache);
  const garbage = Buffer.alloc(4_096, 0x5a);
  writeFileSync(join(cache, name), garbage, { mode: 0o600 });
  const r = run(cache);
  expect(r.stdout).toBe(usage);
  expect(r.report).toBe(`bluegreen code cache: rejected, written ${join(cache, name)}`);
  const replaced = readFileSync(join(cache, name));
  expect(replaced.equals(garbage)).toBe(false);
  expect(run(cache).report).toBe(`bluegreen code cache: used ${join(cache, name)}`);
});

test("a folder others may write is never used, nor is a cache file that is a link; off writes nothing", () => {
  const shared = join(dir, "shared");
  mkdirSync(shared, { mode: 0o700 });
  chmodSync(shared, 0o777);
  const r = run(shared);
  expect(r.stdout).toBe(usage);
  expect(r.report).toBe("bluegreen code cache: off (no private cache folder)");
  expect(readdirSync(shared)).toEqual([]);

  // a link planted where the cache file goes: not read, and replaced as a link (its target is left alone)
  const linked = join(dir, "linked");
  run(linked);
  const [name] = readdirSync(linked);
  const target = join(dir, "target.bin");
  writeFileSync(target, "not a code cache");
  rmSync(join(linked, name));
  symlinkSync(target, join(linked, name));
  expect(run(linked).report).toBe(`bluegreen code cache: none, written ${join(linked, name)}`);
  expect(readFileSync(target, "utf8")).toBe("not a code cache");
  expect(lstatSync(join(linked, name)).isFile()).toBe(true);

  const before = readdirSync(dir).sort();
  const off = run("off");
  expect(off.stdout).toBe(usage);
  expect(off.report).toBe("bluegreen code cache: off (no private cache folder)");
  expect(readdirSync(dir).sort()).toEqual(before);
});
