/**
 * `bluegreen review [--base DIR] [--stack DIR ...] [--format text|markdown|json]`: what a deploy of the synthesized
 * stacks changes, in release terms (traffic per color, nodes per color, routes), compared with the live gateway
 * (default) or with another synth output (`--base`, for CI jobs without gateway access).
 *
 * Exit code 0 nothing changes, 2 something does, 1 error (including a usage error). Never prints the admin key.
 */
import { messageOf } from "../bluegreen-error";
import { type CommandIo, processIo } from "../deploy/command-io";
import { keyScrubber, readStacks, type SynthesizedStack } from "../drift/read-stack";
import { compareStates } from "../review/compare";
import { reviewJson, reviewMarkdown, reviewText } from "../review/format-review";
import { liveObjects, readSynthOutput, stackObjects } from "../review/read-base";
import { releaseState, type ReviewObject } from "../review/release-state";
import { flagsOrExit } from "./parse-flags";

const USAGE = `usage: bluegreen review [--base DIR] [--stack DIR ... | --head DIR] [--format text|markdown|json]

Prints what deploying the synthesized stacks changes, in release terms: per service the traffic of each color
(blue 100% -> 0%, green 0% -> 100%), its routes, preview header and health gate, the nodes added or removed per
color; routes added, removed or changed; and what reverting the change would do.

options:
  --base DIR     compare with another synth output (the cdktf.out of the base branch, or one stack directory)
                 instead of the live gateway; needs no gateway access and no admin key
  --stack DIR    a synthesized stack (cdktf.out/stacks/<name>); repeatable. Default: every stack of the cdktf
                 project around the current directory
  --head DIR     a synth output directory (like --base) to review instead
  --format F     text (default), markdown (a pull-request comment) or json (only the JSON document on stdout)
  -h, --help     show this help

Without --base the admin key is read from the environment variable the stack's hook reads (gateway.admin_key_env,
GATEWAY_ADMIN_KEY by default).

exit code: 0 nothing changes, 2 the deploy changes something, 1 error
`;

const PREFIX = "bluegreen review:";
const FORMATS = ["text", "markdown", "json"] as const;

/** Runs `bluegreen review` with `args` (after `review`); resolves to the exit code (0, 1 or 2). Never throws. */
export async function runReviewCommand(args: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const values = flagsOrExit(
    args,
    {
      base: { type: "string" },
      stack: { type: "string", multiple: true },
      head: { type: "string" },
      format: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    { prefix: PREFIX, usage: USAGE },
    io,
    (v) => {
      const format = v.format ?? "text";
      if (!(FORMATS as readonly string[]).includes(format)) {
        throw new Error(`--format ${format}: expected one of ${FORMATS.join(", ")}`);
      }
      if (v.head !== undefined && v.stack?.length) throw new Error("--head and --stack cannot be combined");
    },
  );
  if (typeof values === "number") return values;
  const format = (values.format ?? "text") as (typeof FORMATS)[number];

  let head: SynthesizedStack[];
  let base: SynthesizedStack[] | undefined;
  try {
    if (values.head !== undefined) head = readSynthOutput(values.head, io.cwd, "--head");
    else head = readStacks(values.stack, io.cwd);
    base = values.base === undefined ? undefined : readSynthOutput(values.base, io.cwd, "--base");
  } catch (error) {
    io.stderr(`${PREFIX} ${messageOf(error)}`);
    return 1;
  }

  const scrub = keyScrubber(head, io.env);
  const err = (line: string) => io.stderr(scrub(line));
  for (const stack of [...head, ...(base ?? [])]) {
    for (const s of stack.skipped) {
      err(`${PREFIX} warning: ${s.address}${s.constructPath ? ` (${s.constructPath})` : ""} in stack ${stack.name} not reviewed: ${s.reason}`);
    }
  }

  let baseObjects: ReviewObject[];
  const baseName = values.base === undefined ? "the live gateway" : `the synth output ${values.base}`;
  try {
    baseObjects =
      base !== undefined
        ? stackObjects(base)
        : await liveObjects(head, {
            env: io.env,
            onRetry: (e) => err(`${PREFIX} ${e.method} ${e.path} attempt ${e.attempt} failed (${e.reason}); retrying in ${e.delayMs} ms`),
          });
  } catch (error) {
    err(`${PREFIX} ${messageOf(error)}`);
    return 1;
  }

  const report = compareStates(releaseState(baseObjects), releaseState(stackObjects(head)));
  const code = report.changed ? 2 : 0;
  const lines =
    format === "json"
      ? [JSON.stringify(reviewJson(report, baseName, code), null, 2)]
      : format === "markdown"
        ? reviewMarkdown(report, baseName)
        : reviewText(report, baseName);
  for (const line of lines) io.stdout(scrub(line));
  return code;
}
