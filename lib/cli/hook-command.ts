/**
 * `bluegreen hook <apply|destroy|sweep|teardown>`: what Terraform's local-exec provisioners run. Reads the request from
 * `BLUEGREEN_REQUEST` and the admin key from the variable the request names. Exit code 0 on success, 1 on failure,
 * 2 on a usage error. The implementation is loaded lazily to keep `bluegreen gateway` and `--help` fast.
 */

import { HOOK_ACTIONS, isHookAction } from "../hook/hook-actions";

const USAGE = `usage: bluegreen hook <apply|destroy|sweep|teardown>

  apply     PUT the object in BLUEGREEN_REQUEST, refusing objects not managed by cdktf-apisix-bluegreen
            (unless adopt), then read it back and verify it
  destroy   DELETE the object in BLUEGREEN_REQUEST if it is ours (a missing object is fine)
  sweep     delete the owner's objects that are no longer declared (routes, then services, then upstreams)
  teardown  at destroy: delete every object of the owner, in the same order (the connection's last destroy hook)

Run by Terraform; the admin key is read from the environment variable named by gateway.admin_key_env
(GATEWAY_ADMIN_KEY by default).
`;

/** Runs the hook subcommand with `args` (after `hook`); resolves to the exit code. */
export async function runHookCommand(args: readonly string[]): Promise<number> {
  const [action, ...extra] = args;
  if (action === "-h" || action === "--help" || action === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!isHookAction(action) || extra.length > 0) {
    const got = action === undefined ? "no action" : `"${args.join(" ")}"`;
    process.stderr.write(`bluegreen hook: expected one of ${HOOK_ACTIONS.join(", ")}, got ${got}\n\n${USAGE}`);
    return 2;
  }
  const { runHook } = await import("../hook/run-hook");
  return runHook(action);
}
