/**
 * The V8 code cache of the bundled programs (lib/bundle): the real launcher `dist/hook/bluegreen-hook.cjs` run with
 * `node`, its cache folder set by BLUEGREEN_CODE_CACHE and its report on (BLUEGREEN_CODE_CACHE_REPORT=1, one stderr
 * line saying what it did with the cache). A first run writes a private cache file named by the program, its size,
 * a hash of its Node options, Node and the architecture, holding the program's bytes; a second run uses it (V8
 * accepts it; nothing written); a run that compiles clearly more writes it again; a program changed in place to
 * another of the same size does not run the old one's cache; a damaged file is refused and replaced; a folder others
 * may write, a cache file that is a link, and `off` are never used. The program's output is the same throughout.
 * Needs `npm run build`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
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

/** Runs `launcher` with the cache in `cache`: its exit code, its output and the cache report line. */
function run(
  cache: string,
  args = ["--help"],
  env: Record<string, string> = {},
  launcher = LAUNCHER,
): { status: number | null; stdout: string; stderr: string; report: string } {
  const r = spawnSync(process.execPath, [launcher, ...args], {
    env: { PATH: process.env.PATH, [CODE_CACHE_ENV]: cache, [CODE_CACHE_REPORT_ENV]: "1", ...env },
    encoding: "utf8",
  });
  const report = r.stderr.split("\n").find((l) => l.startsWith("bluegreen code cache: ")) ?? "";
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, report };
}

const CACHE_FILE = new RegExp(`^bluegreen-hook\\.program\\.cjs-[0-9]+-[0-9a-f]{8}-${process.version.replace(/\./g, "\\.")}-${process.arch}\\.bin$`);

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
  // the file is named by the program's size and holds its bytes: the entry for this program and this run's options
  // (none) finds it and the V8 data in it
  const program = readFileSync(programFileOf(LAUNCHER));
  expect(name.startsWith(`${basename(programFileOf(LAUNCHER))}-${program.length}-`)).toBe(true);
  expect(readFileSync(file).includes(program)).toBe(true);
  const entry = codeCacheEntry(cache, basename(programFileOf(LAUNCHER)), program, nodeOptions([], {}));
  expect(entry).toMatchObject({ file, mismatched: false });
  expect(entry?.data?.length).toBeGreaterThan(1_000);

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
  // the options name the file by a hash; they are not written into it
  expect(files.some((name) => readFileSync(join(cache, name)).includes("max-old-space-size"))).toBe(false);
  // each finds its own, alternately
  expect(run(cache).report).toBe(plain.report.replace("none, written", "used"));
  expect(run(cache, ["--help"], big).report).toBe(flagged.report.replace("none, written", "used"));
  expect(nodeOptions(["--use-openssl-ca"], { NODE_OPTIONS: "--max-old-space-size=4096" })).not.toBe(nodeOptions([], {}));
});

test("a program changed in place to another of the same size does not run the old one's cache", () => {
  // V8 checks a cache against the source's length only: run with the old program's data, the new program would run
  // the old one's bytecode. A copy of the launcher and its program, then one character of the usage text changed.
  const folder = join(dir, "changed");
  mkdirSync(folder);
  const launcher = join(folder, basename(LAUNCHER));
  copyFileSync(LAUNCHER, launcher);
  copyFileSync(programFileOf(LAUNCHER), programFileOf(launcher));
  const cache = join(dir, "changed-cache");
  expect(run(cache, ["--help"], {}, launcher).stdout).toBe(usage);
  const [name] = readdirSync(cache);

  const line = usage.split("\n")[0];
  const text = readFileSync(programFileOf(launcher), "utf8");
  expect(text.split(line)).toHaveLength(2);
  const changedLine = line.replace("usage:", "USAGE:");
  expect(changedLine).not.toBe(line);
  writeFileSync(programFileOf(launcher), text.replace(line, changedLine));
  const changed = run(cache, ["--help"], {}, launcher);
  expect(changed.stdout).toBe(usage.replace(line, changedLine));
  expect(changed.report).toBe(`bluegreen code cache: rejected, written ${join(cache, name)}`);
  expect(readdirSync(cache)).toEqual([name]);
  expect(run(cache, ["--help"], {}, launcher).report).toBe(`bluegreen code cache: used ${join(cache, name)}`);
});

test("a damaged cache file is refused (a file that is not one, or data V8 rejects) and replaced; the program runs the same", () => {
  const cache = join(dir, "corrupt");
  run(cache);
  const [name] = readdirSync(cache);
  const file = join(cache, name);
  const garbage = Buffer.alloc(4_096, 0x5a);
  writeFileSync(file, garbage, { mode: 0o600 });
  const r = run(cache);
  expect(r.stdout).toBe(usage);
  expect(r.report).toBe(`bluegreen code cache: rejected, written ${file}`);
  expect(readFileSync(file).equals(garbage)).toBe(false);
  expect(run(cache).report).toBe(`bluegreen code cache: used ${file}`);

  // the program's bytes intact, V8's data after them damaged: V8 itself refuses it
  const held = readFileSync(file);
  const program = readFileSync(programFileOf(LAUNCHER));
  const v8Data = held.indexOf(program) + program.length;
  held.fill(0x5a, v8Data, v8Data + 64);
  writeFileSync(file, held, { mode: 0o600 });
  const refused = run(cache);
  expect(refused.stdout).toBe(usage);
  expect(refused.report).toBe(`bluegreen code cache: rejected, written ${file}`);
  expect(run(cache).report).toBe(`bluegreen code cache: used ${file}`);
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
