/**
 * The default `bluegreen-owner` of a GatewayConnection: `<package name>/<stack id>`, the name read from the nearest
 * package.json (with a `name`) at or above the working directory when the app synthesizes. It is the same on every
 * checkout and CI runner (never a filesystem path), and two projects whose stacks share a name get different owners.
 *
 * Releases before it used the bare stack id; that value is kept as the legacy owner, so the hooks treat objects
 * labelled with it as this connection's (see `legacy_owner` in the hook input).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe } from "./errors";
import { objectIdPropSchema } from "../model/props-schemas";
import { LABEL_VALUE_MAX_LENGTH } from "../schemas/common";

/** A derived owner (and the legacy owner, when the stack id was a valid one), or the `problem` why there is none. */
export interface DefaultOwner {
  readonly owner?: string;
  readonly legacyOwner?: string;
  readonly problem?: string;
}

/** `<package name>/<stack id>`, with characters outside `[A-Za-z0-9._~@/-]` replaced by `-`. */
export function defaultOwner(stackId: string, cwd: string = process.cwd()): DefaultOwner {
  const found = packageName(cwd);
  if ("problem" in found) return found;
  const owner = `${labelSafe(found.name)}/${labelSafe(stackId)}`;
  if (owner.length > LABEL_VALUE_MAX_LENGTH) {
    return {
      problem:
        `${describe(owner)} (the package name of ${found.file} and the stack id) is ${owner.length} characters, ` +
        `more than the ${LABEL_VALUE_MAX_LENGTH} an APISIX label value may have`,
    };
  }
  // the previous default, the stack id, was only accepted when it was a valid object id
  const legacyOwner = objectIdPropSchema.safeParse(stackId).success ? stackId : undefined;
  return legacyOwner === undefined ? { owner } : { owner, legacyOwner };
}

/** The `name` of the nearest package.json that has one, at or above `cwd`. */
function packageName(cwd: string): { name: string; file: string } | { problem: string } {
  const start = resolve(cwd);
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      let name: unknown;
      try {
        name = (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name;
      } catch (err) {
        return { problem: `cannot read the package name from ${file}: ${(err as Error).message}` };
      }
      if (typeof name === "string" && name.trim() !== "") return { name: name.trim(), file };
    }
    if (dirname(dir) === dir) return { problem: `no package.json with a name in ${start} or above` };
  }
}

function labelSafe(value: string): string {
  return value.replace(/[^A-Za-z0-9._~@/-]/g, "-");
}
