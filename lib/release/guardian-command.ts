/**
 * How a release starts its guardian: `node <args>`. By default the compiled guardian script beside this module
 * (dist/lib/release/guardian.js); the bundled hook and the bundled provider, one file each with nothing beside it,
 * name themselves with `guardian` instead (`guardianOrMain`). Apart from guardian-handoff.ts so that the entries set
 * it without loading the release code.
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

/**
 * The start of a bundled entry (the hook, the provider), which is also the release guardian: `node <file> guardian`
 * runs the guardian; anything else runs `main`, with releases starting this same file as their guardian.
 */
export function guardianOrMain(entryFile: string, main: () => void): void {
  if (process.argv[2] === GUARDIAN_ARG && process.argv.length === 3) {
    import("./guardian-process")
      .then(({ runGuardian }) => runGuardian())
      .then(
        (code) => process.exit(code),
        () => process.exit(1),
      );
    return;
  }
  useGuardianCommand([entryFile, GUARDIAN_ARG]);
  main();
}
