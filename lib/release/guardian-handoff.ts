/**
 * The hook's side of the release guardian: a detached Node process that puts the service body back unless the hook
 * reports that the release completed. Terraform stops a running `local-exec` with SIGKILL when a deploy is
 * interrupted, so the restore cannot depend on the hook process surviving.
 *
 * Protocol, over the guardian's stdin (never argv, so the admin key does not show in `ps`):
 * 1. the hook writes one JSON line, the `GuardianHandoff`, and the guardian answers `armed` on its stdout once it has
 *    read it; the hook writes nothing to the gateway before that;
 * 2. the hook writes `done` when the service is where it must stay (the release completed, or the hook restored and
 *    verified the old body itself), then closes the pipe: the guardian exits without touching the gateway;
 * 3. the pipe closes without `done` (the hook was killed, crashed or gave up): the guardian restores `before`,
 *    verifies it, checks it again a moment later (a write of the dead hook may still have been in flight), and exits.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as z from "zod/mini";
import { DEFAULT_ADMIN_KEY_ENV, gatewayTargetSchema } from "../model/gateway-request";
import { guardianCommand } from "./guardian-command";

/** What the guardian needs to restore: read from its stdin. `zod/mini`: the bundled hook carries it. */
export const guardianHandoffSchema = z.object({
  /** Admin API path of the service (with query on API7 EE). */
  path: z.string().check(z.startsWith("/apisix/admin/")),
  /** The service body the gateway held before the release, as it answered a GET. */
  before: z.record(z.string(), z.unknown()),
  gateway: gatewayTargetSchema,
  admin_key: z.string(),
  construct_path: z.string(),
  /** Where a relative `tls_ca_file` is resolved. */
  cwd: z.string(),
  /** A file the guardian appends its lines to. @default - no log */
  log_file: z.optional(z.string().check(z.minLength(1))),
  /** Wait before restoring, and before checking the restore again, in ms. */
  settle_ms: z._default(z.number().check(z.int(), z.nonnegative()), 500),
});
export type GuardianHandoff = z.input<typeof guardianHandoffSchema>;

/** What the hook writes when the release needs no restore. */
export const GUARDIAN_DONE = "done";
/** What the guardian answers once it holds the handoff. */
export const GUARDIAN_ARMED = "armed";
/** How long the hook waits for `armed`. */
export const GUARDIAN_ARM_TIMEOUT_MS = 10_000;

/** An armed guardian. */
export interface Guardian {
  readonly pid: number;
  /** Tells the guardian that nothing needs restoring, and lets it exit. */
  complete(): Promise<void>;
  /** Closes the pipe without `done`: the guardian restores. */
  abandon(): void;
}

/**
 * Starts the guardian (detached, in its own process group, so a Ctrl-C of the deploy does not reach it), hands it
 * `handoff` and waits until it is armed (`node <script>`, or `node <guardianCommand()>` without one). Throws, having
 * started nothing that lingers, when it cannot be armed.
 */
export async function armGuardian(handoff: GuardianHandoff, script?: string): Promise<Guardian> {
  const args = script === undefined ? guardianCommand() : [script];
  if (!existsSync(args[0]!)) throw new Error(`the release guardian ${args[0]} is missing (is the package built?)`);
  // the key travels through stdin only: not in argv (`ps`), and not in the guardian's environment either
  const env = { ...process.env };
  delete env[handoff.gateway.admin_key_env ?? DEFAULT_ADMIN_KEY_ENV];
  const child = spawn(process.execPath, args, { detached: true, stdio: ["pipe", "pipe", "ignore"], env });
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  stdin.on("error", () => undefined); // a guardian that died is noticed below; later writes must not crash the hook
  try {
    await new Promise<void>((resolve, reject) => {
      let answer = "";
      const timer = setTimeout(() => fail(new Error(`it did not answer within ${GUARDIAN_ARM_TIMEOUT_MS} ms`)), GUARDIAN_ARM_TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      child.once("error", fail);
      child.once("exit", (code, signal) => fail(new Error(`it exited (${signal ?? `code ${code}`}) before it was armed`)));
      stdout.on("data", (chunk: Buffer) => {
        answer += chunk.toString("utf8");
        if (answer.includes(`${GUARDIAN_ARMED}\n`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      stdin.write(`${JSON.stringify(handoff)}\n`);
    });
  } catch (error) {
    child.kill("SIGKILL");
    stdin.destroy();
    stdout.destroy();
    throw new Error(`could not start the release guardian: ${(error as Error).message}`);
  }
  child.removeAllListeners("exit");
  child.removeAllListeners("error");
  stdout.destroy();
  child.unref();
  // an unreferenced pipe: a hook that ends without `complete()` closes it, and the guardian restores
  (stdin as unknown as { unref?: () => void }).unref?.();
  let closed = false;
  return {
    pid: child.pid!,
    complete: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        // a guardian that already died cannot take the line: do not wait for it long
        const timer = setTimeout(resolve, GUARDIAN_ARM_TIMEOUT_MS);
        stdin.end(`${GUARDIAN_DONE}\n`, () => {
          clearTimeout(timer);
          resolve();
        });
      }),
    abandon: () => {
      if (closed) return;
      closed = true;
      stdin.end();
    },
  };
}
