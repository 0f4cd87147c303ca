/** How every `bluegreen` subcommand reads its flags: named options only, unknown ones rejected. */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Flags<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: T }>
>["values"];

/** The values of `args` for `options`; throws (with node's message naming the flag) on an unknown or bad flag. */
export function parseFlags<const T extends Options>(args: readonly string[], options: T): Flags<T> {
  return parseArgs({ args: [...args], strict: true, allowPositionals: false, options }).values;
}
