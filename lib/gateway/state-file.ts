/**
 * Durability for the embedded gateway: the store's complete state as one JSON file, replaced atomically on every
 * write (temp file in the same directory, fsync, rename, fsync the directory) before the write is answered. The
 * temp file has a random name and is created exclusively without following links, so nothing planted in the
 * directory can redirect the write.
 * Start-up restores it; a corrupt or unreadable file stops start-up with an error naming the file.
 */
import { randomBytes } from "node:crypto";
import { constants as fsConstants, promises as fs } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { flavorSchema } from "../model/gateway-request";
import { isPlainObject, ownRecord } from "./deep-merge";
import type { StoreEntry, StoreState } from "./store";

/** Marker in every state file, so an unrelated JSON file is never mistaken for one. */
export const STATE_FILE_FORMAT = "bluegreen-gateway-state/v1";

const entrySchema = z.object({
  value: z.looseObject({ id: z.string() }),
  createdIndex: z.int().min(0),
  modifiedIndex: z.int().min(0),
});

/**
 * Entries by id. Checked as a plain object here and entry by entry in `entriesOf`: `z.record` builds its output by
 * assignment, which silently drops an id such as `__proto__`.
 */
const entriesSchema = z.custom<Record<string, unknown>>(isPlainObject, { error: "expected an object of entries by id" });

const stateFileSchema = z.object({
  format: z.literal(STATE_FILE_FORMAT),
  flavor: flavorSchema,
  revision: z.int().min(0),
  routes: entriesSchema,
  services: entriesSchema,
  upstreams: entriesSchema,
});

const KINDS = ["routes", "services", "upstreams"] as const;

/** Thrown when the state file exists but cannot be read or parsed; the message names the file and the problem. */
export class StateFileError extends Error {}

/**
 * Reads the state file. Resolves undefined when it does not exist (first start); rejects with StateFileError when
 * it exists but is unreadable, not JSON, or not a state file.
 */
export async function loadStateFile(file: string): Promise<StoreState | undefined> {
  await removeInterruptedWrites(file);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateFileError(`cannot read gateway state file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(
      `gateway state file ${file} is corrupt (not valid JSON: ${(err as Error).message}); refusing to start with an empty configuration. Fix or remove the file.`,
    );
  }
  const invalid = (issue: z.core.$ZodIssue | undefined, prefix: PropertyKey[] = []) => {
    const at = [...prefix, ...(issue?.path ?? [])];
    const where = at.length > 0 ? ` at ${at.map(String).join(".")}` : "";
    return new StateFileError(
      `gateway state file ${file} is not a valid state file (${issue?.message ?? "invalid"}${where}); refusing to start with an empty configuration. Fix or remove the file.`,
    );
  };
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error.issues[0]);
  const { flavor, revision } = parsed.data;
  const [routes, services, upstreams] = KINDS.map((kind) => {
    const entries: Array<[string, StoreEntry]> = [];
    for (const [id, raw] of Object.entries(parsed.data[kind])) {
      const checked = entrySchema.safeParse(raw);
      if (!checked.success) throw invalid(checked.error.issues[0], [kind, id]);
      // the parsed JSON itself, not zod's copy: every key of the stored value is kept as written
      const entry = raw as StoreEntry;
      entries.push([id, { value: entry.value, createdIndex: entry.createdIndex, modifiedIndex: entry.modifiedIndex }]);
    }
    return ownRecord(entries);
  });
  return { flavor, revision, routes: routes!, services: services!, upstreams: upstreams! };
}

/** Random bytes in a temp file's name (hex): unguessable, so no other process can prepare that path. */
const TEMP_NAME_BYTES = 16;

/**
 * Temp file names of this module: `.<file>.<32 hex digits>.tmp`, and `.<file>.<pid>.<ms>.tmp` of earlier versions.
 * A crash between a temp file's creation and its rename leaves it behind.
 */
const TEMP_NAME_MIDDLE = new RegExp(`^(?:[0-9a-f]{${TEMP_NAME_BYTES * 2}}|\\d+\\.\\d+)$`);

function tempFileName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(TEMP_NAME_BYTES).toString("hex")}.tmp`);
}

function isTempFileName(file: string, name: string): boolean {
  const prefix = `.${path.basename(file)}.`;
  return name.startsWith(prefix) && name.endsWith(".tmp") && TEMP_NAME_MIDDLE.test(name.slice(prefix.length, -".tmp".length));
}

/** Create exclusively (an existing file or symlink at the path is an error), never through a symlink, write only. */
const TEMP_OPEN_FLAGS =
  fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY | (fsConstants.O_NOFOLLOW ?? 0);

/** Fresh names tried when the path exists already (only if something put a file there on purpose). */
const TEMP_OPEN_ATTEMPTS = 3;

async function createTempFile(file: string): Promise<{ tmp: string; handle: fs.FileHandle }> {
  for (let attempt = 1; ; attempt++) {
    const tmp = tempFileName(file);
    try {
      return { tmp, handle: await fs.open(tmp, TEMP_OPEN_FLAGS, 0o600) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= TEMP_OPEN_ATTEMPTS || (code !== "EEXIST" && code !== "ELOOP")) throw err;
    }
  }
}

/**
 * Deletes temp files of writes interrupted by a crash (never renamed, so never acknowledged). Runs at start-up,
 * before this process writes anything; one gateway owns a state file. A symlink is removed, never its target.
 */
async function removeInterruptedWrites(file: string): Promise<void> {
  const dir = path.dirname(file);
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    entries.filter((name) => isTempFileName(file, name)).map((name) => fs.rm(path.join(dir, name), { force: true })),
  );
}

/** Atomically replaces the state file with `state`; resolves only once the data and the rename are on disk. */
export async function saveStateFile(file: string, state: StoreState): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const text = JSON.stringify({ format: STATE_FILE_FORMAT, ...state }, null, 1) + "\n";
  const { tmp, handle } = await createTempFile(file);
  try {
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/** fsyncs a directory so a rename inside it is durable; ignored where directories cannot be opened (Windows). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL") throw err;
  } finally {
    await handle?.close();
  }
}

/** Checks that the state file's directory exists and is writable, so a bad path fails at start-up, not first write. */
export async function checkStateFileWritable(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  try {
    await fs.access(dir, fsConstants.W_OK);
  } catch (err) {
    throw new StateFileError(`cannot write gateway state file ${file}: directory ${dir} is not writable (${(err as Error).message})`);
  }
}
