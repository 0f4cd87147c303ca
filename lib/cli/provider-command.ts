/**
 * `bluegreen provider install [dir]`: lays this package's Terraform provider into `<dir>/terraform.d/plugins` (the
 * implied local mirror) for plain-HCL users, exactly as cdktf synthesis does for a stack; then `terraform init` in
 * `<dir>` installs it with no network.
 */
import * as path from "node:path";
import { installProvider } from "../provider/install-provider";
import { PROVIDER_SOURCE, PROVIDER_TYPE, providerVersion } from "../provider/provider-address";

const USAGE = `usage: bluegreen provider install [dir]

Lays the ${PROVIDER_TYPE} Terraform provider into <dir>/terraform.d/plugins (default: the current directory) for
linux and darwin, amd64 and arm64. A configuration in <dir> then declares

  terraform {
    required_providers {
      ${PROVIDER_TYPE} = { source = "${PROVIDER_SOURCE}", version = "<this package's version>" }
    }
  }

and a plain 'terraform init' installs it with no network (only node is needed on PATH).
`;

/** Runs `bluegreen provider <args>`; resolves to the exit code. */
export async function runProviderCommand(args: readonly string[], cwd = process.cwd()): Promise<number> {
  const [sub, dir, ...extra] = args;
  if (sub === "-h" || sub === "--help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (sub !== "install" || extra.length > 0 || dir?.startsWith("-")) {
    process.stderr.write(`bluegreen provider: ${sub === undefined ? "missing subcommand" : `unexpected arguments: ${args.join(" ")}`}\n\n${USAGE}`);
    return 1;
  }
  const target = path.resolve(cwd, dir ?? ".");
  const folders = installProvider(target);
  process.stdout.write(
    `installed ${PROVIDER_SOURCE} ${providerVersion()} into ${path.relative(cwd, path.join(target, "terraform.d")) || "."} ` +
      `(${folders.length} platforms)\n`,
  );
  return 0;
}
