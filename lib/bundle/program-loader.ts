/**
 * The launcher of a bundled program (`dist/hook/bluegreen-hook.cjs`, `dist/provider/bluegreen-provider.cjs`): runs
 * the program file beside it (`<name>.program.cjs`, program-file.ts) the way `require` would, but compiled with the
 * V8 code cache of code-cache.ts. As the process exits it writes the cache again when there was none, V8 rejected it,
 * or this run compiled clearly more functions than it held (a provider process that served a plan, after one that only
 * answered the schema): so the cache grows to the functions the program's runs use. Serializing the cache to compare
 * costs up to ~8 ms for the provider, so a run only compares while the cache is smaller than the program's source (a
 * cache of the functions a full run uses is larger). With BLUEGREEN_CODE_CACHE_REPORT=1 it says on stderr, as it
 * exits, what it did: `bluegreen code cache: used|rejected|none|off[, written] <file>`. Only Node's own modules.
 */
import { readFileSync } from "node:fs";
import { createRequire, wrap } from "node:module";
import { basename, dirname } from "node:path";
import { Script } from "node:vm";
import { CODE_CACHE_REPORT_ENV, codeCacheDir, codeCacheEntry, type CodeCacheEntry, writeCodeCache } from "./code-cache";
import { programFileOf } from "./program-file";

/** Rewrite a cache that was accepted only when this run's holds this much more (not for a few bytes' difference). */
const GROWTH_TO_REWRITE = 1.05;

const file = programFileOf(__filename);
const bytes = readFileSync(file);
const source = bytes.toString("utf8");
const dir = codeCacheDir();
const entry: CodeCacheEntry | undefined = dir === undefined ? undefined : codeCacheEntry(dir, basename(file), bytes);
const script = new Script(wrap(source), { filename: file, cachedData: entry?.data });
/**
 * What this run did with the cache: `off` (no private folder), `none` (no file yet), `used`, or `rejected` (the file
 * held another source's cache or was not one of ours, or V8 refused it: other V8 flags, another V8, damaged data).
 */
const status =
  entry === undefined
    ? "off"
    : entry.mismatched || script.cachedDataRejected === true
      ? "rejected"
      : script.cachedDataRejected === undefined
        ? "none"
        : "used";
let written = false;
if (entry !== undefined && (status !== "used" || entry.data!.length < bytes.length)) {
  process.once("exit", () => {
    try {
      const data = script.createCachedData();
      const grown = status === "used" && data.length > entry.data!.length * GROWTH_TO_REWRITE;
      if (status !== "used" || grown) written = writeCodeCache(entry, data);
    } catch {
      // no cache this time
    }
  });
}
if (process.env[CODE_CACHE_REPORT_ENV] === "1") {
  // registered after the writer, so it runs after it
  process.once("exit", () => process.stderr.write(`bluegreen code cache: ${status}${written ? ", written" : ""} ${entry?.file ?? "(no private cache folder)"}\n`));
}
const program = { exports: {}, filename: file, id: file, loaded: false };
(script.runInThisContext() as (...args: unknown[]) => void).call(program.exports, program.exports, createRequire(file), program, file, dirname(file));
