/** How every `bluegreen` subcommand reads its flags: named options only, unknown ones rejected. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CommandIo } from "../deploy/command-io";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Flags<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: T }>
>["values"];

/** The values of `args` for `options`; throws (with node's message naming the flag) on an unknown or bad flag. */
export function parseFlags<const T extends Options>(args: readonly string[], options: T): Flags<T> {
  return parseArgs({ args: [...args], strict: true, allowPositionals: false, options }).values;
}

/** How a subcommand prints its usage: the message prefix (`bluegreen drift:`) and the usage text. */
export interface CommandUsage {
  readonly prefix: string;
  readonly usage: string;
}

/**
 * The flags of a subcommand, or its exit code when it should stop here: 1 after printing the problem and the usage
 * (an unknown or bad flag, or what `check` throws), 0 after printing the usage for `--help`.
 */
export function flagsOrExit<const T extends Options>(
  args: readonly string[],
  options: T,
  command: CommandUsage,
  io: CommandIo,
  check: (values: Flags<T>) => void = () => undefined,
): Flags<T> | number {
  let values: Flags<T>;
  try {
    values = parseFlags(args, options);
    check(values);
  } catch (error) {
    io.stderr(`${command.prefix} ${(error as Error).message}\n\n${command.usage}`);
    return 1;
  }
  if ((values as { help?: boolean }).help) {
    io.stdout(command.usage);
    return 0;
  }
  return values;
}
