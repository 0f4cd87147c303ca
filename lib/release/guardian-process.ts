/**
 * The release guardian process (see guardian-handoff.ts for the protocol), run by `node dist/lib/release/guardian.js`
 * or by the bundled hook as `node bluegreen-hook.cjs guardian` (lib/release/guardian-command.ts): started detached by the hook before the
 * first write of a release, it restores the service body the gateway held before the release unless the hook reports
 * `done` before its pipe closes. Reads everything from stdin; writes only `armed` to stdout, and its lines to the
 * handoff's `log_file` when one is given. Never prints the admin key.
 */
import { appendFileSync } from "node:fs";
import { describeError } from "../client/transport";
import { redact } from "../client/errors";
import { clientForTarget } from "../deploy/target-client";
import { GUARDIAN_ARMED, GUARDIAN_DONE, guardianHandoffSchema } from "./guardian-handoff";
import { holdsBody, restoreService } from "./restore";

type Handoff = ReturnType<typeof guardianHandoffSchema.parse>;

/** Rounds of restore attempts (each with a fresh client and its full retry budget) before the guardian gives up. */
const RESTORE_ROUNDS = 3;

/** Runs the guardian on this process's stdin; resolves to the exit code. */
export async function runGuardian(): Promise<number> {
  process.stdin.setEncoding("utf8");
  let input = "";
  let handoff: Handoff | undefined;
  // the terminal's Ctrl-C goes to the deploy's process group, not to this detached one; ignore a stray one anyway
  process.on("SIGINT", () => undefined);
  process.on("SIGHUP", () => undefined);
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    input += chunk;
    if (handoff === undefined) {
      const newline = input.indexOf("\n");
      if (newline < 0) continue;
      handoff = guardianHandoffSchema.parse(JSON.parse(input.slice(0, newline)));
      input = input.slice(newline + 1);
      process.stdout.write(`${GUARDIAN_ARMED}\n`);
    }
    if (input.split("\n").includes(GUARDIAN_DONE)) return 0;
  }
  if (handoff === undefined) return 1; // the hook died before handing anything over: nothing was written
  return restore(handoff);
}

async function restore(h: Handoff): Promise<number> {
  const log = (line: string) => {
    if (h.log_file === undefined) return;
    try {
      appendFileSync(h.log_file, `${new Date().toISOString()} bluegreen guardian ${process.pid}: ${redact(line, h.admin_key)}\n`);
    } catch {
      // nowhere else to say it
    }
  };
  const what = `release of ${h.construct_path}`;
  log(`${what} ended without completing (the hook was stopped); restoring ${h.path}`);
  await sleep(h.settle_ms);
  let lastError = "";
  for (let round = 1; round <= RESTORE_ROUNDS; round++) {
    const client = clientForTarget(h.gateway, h.admin_key, h.cwd);
    try {
      await restoreService(client, h.path, h.before, h.construct_path);
      // a write the stopped hook sent just before it died may land after ours: look again
      await sleep(h.settle_ms);
      if (await holdsBody(client, h.path, h.before)) {
        log(`${what}: restored ${h.path} as it was before the release (verified)`);
        return 0;
      }
      lastError = "it changed again right after the restore";
    } catch (error) {
      lastError = describeError(error);
    } finally {
      await client.close().catch(() => undefined);
    }
    log(`${what}: restore round ${round} of ${RESTORE_ROUNDS} failed: ${lastError}`);
  }
  log(`${what}: gave up; PUT the old body of ${h.path} back by hand or deploy again`);
  return 1;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
