/**
 * `bluegreen drift [--stack DIR ...] [--json]`: compares what synthesized stacks declare with what the gateway
 * stores, restricted to the fields the stacks own. With the hooks engine `terraform plan` cannot see these changes
 * (objects are `terraform_data` resources whose hooks talk to the gateway); with the provider engine it can, and
 * this command gives the same answer without Terraform state. Reads both engines' resources.
 *
 * Exit code 0 in sync, 2 drift found (like `terraform plan -detailed-exitcode`), 1 error (including a usage
 * error, so that a typo is never mistaken for drift). Never prints the admin key.
 */
import { messageOf } from "../bluegreen-error";
import { type CommandIo, processIo } from "../deploy/command-io";
import { flagsOrExit } from "./parse-flags";
import { checkStack, type StackReport } from "../drift/check-stack";
import { formatStackReport, reportJson, statusOf } from "../drift/format-report";
import { keyScrubber, readStacks, type SynthesizedStack } from "../drift/read-stack";

const USAGE = `usage: bluegreen drift [--stack DIR ...] [--json]

Compares the objects a synthesized stack declares with the gateway, only the fields the stack owns (fields the
gateway adds are ignored), and prints one line per finding:
  changed    a declared field has another value on the gateway (gateway value, then stack value)
  missing    a declared object is not on the gateway
  unmanaged  a declared object exists without the managed-by label (someone replaced it)
  extra      an object with a connection's owner label that the stack does not declare (a sweep deletes it;
             hooks engine only: the provider engine has no sweep, Terraform deletes what leaves the stack)

options:
  --stack DIR   a synthesized stack (cdktf.out/stacks/<name>, or its cdk.tf.json); repeatable. Default: every
                stack in the output directory of the cdktf project around the current directory
  --json        print a machine-readable report instead
  -h, --help    show this help

Reads both engines' stacks: terraform_data hooks and the bluegreen_* resources of engine "provider".
The admin key is read from the environment variable the stack's hook or provider reads (gateway.admin_key_env,
GATEWAY_ADMIN_KEY by default). Run cdktf synth first: the check reads cdk.tf.json, not Terraform state.

exit code: 0 no drift, 2 drift found, 1 error (no synthesized stack, bad input, missing or wrong key,
unreachable gateway, bad option)
`;

const PREFIX = "bluegreen drift:";

/** Runs `bluegreen drift` with `args` (after `drift`); resolves to the exit code (0, 1 or 2). Never throws. */
export async function runDriftCommand(args: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const values = flagsOrExit(
    args,
    { stack: { type: "string", multiple: true }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    { prefix: PREFIX, usage: USAGE },
    io,
  );
  if (typeof values === "number") return values;

  let stacks: SynthesizedStack[];
  try {
    stacks = readStacks(values.stack, io.cwd);
  } catch (error) {
    io.stderr(`${PREFIX} ${messageOf(error)}`);
    return 1;
  }

  const scrub = keyScrubber(stacks, io.env);
  const out = (line: string) => io.stdout(scrub(line));
  const err = (line: string) => io.stderr(scrub(line));

  const reports: StackReport[] = [];
  for (const stack of stacks) {
    const report = await checkStack(stack, {
      env: io.env,
      onRetry: (e) => err(`${PREFIX} ${e.method} ${e.path} attempt ${e.attempt} failed (${e.reason}); retrying in ${e.delayMs} ms`),
    });
    if (report.error !== undefined) err(`${PREFIX} stack ${report.stack}: ${report.error}`);
    reports.push(report);
  }

  const statuses = reports.map(statusOf);
  const code = statuses.includes("error") ? 1 : statuses.includes("drift") ? 2 : 0;
  if (values.json) {
    out(JSON.stringify(reportJson(reports, io.cwd, code), null, 2));
  } else {
    for (const report of reports) for (const line of formatStackReport(report, io.cwd)) out(line);
  }
  return code;
}
