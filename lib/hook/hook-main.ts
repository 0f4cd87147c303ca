/**
 * The entry point of the bundled hook (`dist/hook/bluegreen-hook.cjs`, built by `npm run build`), the one file
 * synthesis lays into each stack folder: `node <hook file> <apply|destroy|sweep|teardown>`. The same file is the
 * release guardian a release starts (`node <hook file> guardian`), since nothing else lies beside it.
 */
import { runHookCommand } from "../cli/hook-command";
import { GUARDIAN_ARG, useGuardianCommand } from "../release/guardian-command";

const args = process.argv.slice(2);

if (args[0] === GUARDIAN_ARG && args.length === 1) {
  import("../release/guardian-process")
    .then(({ runGuardian }) => runGuardian())
    .then(
      (code) => process.exit(code),
      () => process.exit(1),
    );
} else {
  useGuardianCommand([__filename, GUARDIAN_ARG]);
  runHookCommand(args).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bluegreen hook: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
