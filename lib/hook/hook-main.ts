/**
 * The entry point of the bundled hook (`dist/hook/bluegreen-hook.cjs`, built by `npm run build`), the one file
 * synthesis lays into each stack folder: `node <hook file> <apply|destroy|sweep|teardown>`. The same file is the
 * release guardian a release starts (`node <hook file> guardian`), since nothing else lies beside it.
 */
import { runHookCommand } from "../cli/hook-command";
import { guardianOrMain } from "../release/guardian-command";

guardianOrMain(__filename, () => {
  runHookCommand(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bluegreen hook: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
});
