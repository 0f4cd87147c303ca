/**
 * How the hook starts the release guardian: `node <args>`. By default the compiled guardian script beside this module
 * (dist/lib/release/guardian.js); the bundled hook (lib/hook/hook-main.ts), one file with nothing beside it, names
 * itself with `guardian` instead. Apart from guardian-handoff.ts so that the hook's entry sets it without loading
 * the release code.
 */
import { join } from "node:path";

/** The first argument that makes the bundled hook run as the guardian. */
export const GUARDIAN_ARG = "guardian";

let command: readonly string[] | undefined;

/** Makes the guardian `node <args>` for the rest of this process. */
export function useGuardianCommand(args: readonly string[]): void {
  command = [...args];
}

/** The arguments after `node` that start the guardian. */
export function guardianCommand(): readonly string[] {
  return command ?? [join(__dirname, "guardian.js")];
}
