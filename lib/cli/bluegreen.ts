#!/usr/bin/env node
/**
 * The `bluegreen` command: `bluegreen gateway [flags]` runs the embedded gateway, `bluegreen hook <action>` runs one
 * hook action by hand (Terraform runs the same code from the bundle synthesis lays into the stack folder,
 * `node assets/BluegreenHook/<version>/bluegreen-hook.cjs <action>`), `bluegreen drift` compares synthesized stacks
 * with the gateway, `bluegreen review` says what a deploy changes in release terms, `bluegreen provider install`
 * lays the provider engine's plugin into a folder for plain HCL.
 * Subcommands are loaded lazily so `--version` and `--help` start as fast as Node does.
 */

const USAGE = `usage: bluegreen <command> [options]

commands:
  gateway   run the embedded APISIX-compatible gateway (admin API + proxy); see 'bluegreen gateway --help'
  drift     compare synthesized stacks with the gateway (exit 0 in sync, 2 drift, 1 error); see 'bluegreen drift --help'
  review    what a deploy changes in release terms, against the gateway or a base synth (exit 0 none, 2 changes, 1 error); see 'bluegreen review --help'
  hook      apply | destroy | sweep | teardown one Admin API request; run by Terraform, reads BLUEGREEN_REQUEST
  provider  install [dir]: lay the bluegreen Terraform provider into <dir>/terraform.d/plugins (plain HCL)

options:
  -v, --version  print the version
  -h, --help     show this help
`;

/** Runs the CLI with `args` (without the node binary and script); resolves to the process exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "gateway":
      return (await import("./gateway-command")).runGatewayCommand(rest);
    case "hook":
      return (await import("./hook-command")).runHookCommand(rest);
    case "drift":
      return (await import("./drift-command")).runDriftCommand(rest);
    case "review":
      return (await import("./review-command")).runReviewCommand(rest);
    case "provider":
      return (await import("./provider-command")).runProviderCommand(rest);
    case "-v":
    case "--version":
    case "version":
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      process.stdout.write(`${(require("cdktf-apisix-bluegreen/package.json") as { version: string }).version}\n`);
      return 0;
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`bluegreen: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/** Entry point for `node -e` and the bin: runs and sets the exit code, never throws. */
export function main(args: readonly string[]): void {
  run(args).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bluegreen: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) {
  main(process.argv.slice(2));
}
