/**
 * The hook Terraform runs: `apply` (PUT + verify one object), `destroy` (DELETE one object), `sweep` (delete an
 * owner's undeclared objects) or `teardown` (at destroy: delete every object of an owner). Prints one line per action
 * to stdout, errors to stderr, returns the exit code. Never prints the admin key.
 */
import type { AdminClient } from "../client/admin-client";
import type { RetryEvent } from "../client/transport";
import { BluegreenError, messageOf } from "../bluegreen-error";
import { AdminApiError, redact } from "../client/errors";
import {
  applyObject,
  deleteObject,
  type DeleteObjectResult,
  describeHeld,
  describeSwept,
  ownerOf,
  serviceIdOf,
  sweep,
} from "../client/object-sync";
import { type GatewayRequest, type GatewayTarget, type ObjectRequest, REQUEST_ENV } from "../model/gateway-request";
import type { HookAction } from "./hook-actions";
import { type CommandIo, processIo } from "../deploy/command-io";
import { clientForTarget, readAdminKey } from "../deploy/target-client";
import { readHookRequest } from "./read-request";

export { HOOK_ACTIONS, type HookAction } from "./hook-actions";

const PREFIX = "bluegreen:";

/**
 * What a run reports besides its lines, for a caller that shows them elsewhere (the provider engine turns them into
 * Terraform diagnostics): each warning, and the message of the error that failed the run (the key redacted).
 */
export interface HookReport {
  warning(message: string): void;
  failure(message: string): void;
  /** No connection teardown follows the objects' deletes (the provider engine): a delete the gateway refuses is a warning. */
  readonly withoutTeardown?: boolean;
}

/**
 * Runs one hook action; resolves to the exit code (0 success, 1 failure). Never throws. `signal` stops it (the
 * provider engine passes Terraform's StopProvider): a release restores and fails; a plain write or delete sends
 * nothing more and fails at once (one PUT is atomic: the gateway keeps the old or holds the new body).
 */
export async function runHook(
  action: HookAction,
  io: CommandIo = processIo(),
  signal?: AbortSignal,
  report?: HookReport,
): Promise<number> {
  const warn = (message: string) => {
    io.stderr(`${PREFIX} ${message}`);
    report?.warning(message);
  };
  let adminKey: string | undefined;
  let rawClient: AdminClient | undefined;
  let doing = `hook ${action}`;
  try {
    const request = readHookRequest(io.env);
    if (request.kind === "object") doing = `${action === "apply" ? "PUT" : "DELETE"} ${request.path} (construct ${request.construct_path})`;
    checkActionMatchesKind(action, request);
    if (action === "destroy" && request.kind === "sweep") {
      // Nothing to sweep on destroy: the objects' destroy hooks and the connection's teardown delete everything.
      io.stdout(`${PREFIX} sweep owner=${request.owner}: nothing to do on destroy`);
      return 0;
    }
    adminKey = readAdminKey(request.gateway, io.env, `cdktf deploy (needed by ${request.construct_path})`);
    rawClient = clientForTarget(request.gateway, adminKey, io.cwd, retryReporter(io, signal));
    const client = stoppable(rawClient, signal);

    if (request.kind === "sweep" || request.kind === "teardown") {
      // the teardown is the sweep of an owner that declares nothing
      const result = await sweep(client, {
        owner: request.owner,
        keep: request.kind === "sweep" ? request.keep : [],
        legacyOwner: request.legacy_owner,
        constructPath: request.construct_path,
      });
      const deleted = result.removed.filter((o) => o.outcome === "deleted");
      const gone = result.removed.length - deleted.length;
      io.stdout(
        `${PREFIX} ${request.kind} owner=${request.owner} deleted ${deleted.length}` +
          `${deleted.length > 0 ? `: ${describeSwept(deleted)}` : ""}` +
          `${gone > 0 ? ` (${gone} already gone: ${describeSwept(result.removed.filter((o) => o.outcome !== "deleted"))})` : ""}`,
      );
      for (const h of result.held) warn(`warning: ${describeHeld(h.id, h.path, h.holders)} (construct ${request.construct_path})`);
      const left = result.legacyLeft.length;
      if (left > 0) {
        const [objects, them] = left === 1 ? ["object", "it"] : ["objects", "them"];
        warn(
          `warning: sweep owner=${request.owner} left in place ${left} undeclared ${objects} labelled with the ` +
            `old default owner "${request.legacy_owner}": ${describeSwept(result.legacyLeft)} (another project whose ` +
            `stack is also called "${request.legacy_owner}" may own ${them}; delete by hand what was this stack's)`,
        );
      }
      return 0;
    }

    if (action === "apply") {
      if (request.health_check !== undefined && !(await healthGate(request, client, io))) return 1;
      const result =
        request.release === undefined
          ? await applyObject(client, {
              path: request.path,
              body: request.body,
              adopt: request.adopt,
              legacyOwner: request.legacy_owner,
              constructPath: request.construct_path,
            })
          : await release(request, rawClient, adminKey, io, signal);
      if (result.warning) warn(`warning from the gateway for PUT ${request.path}: ${result.warning}`);
      const how = result.adopted ? ", adopted" : result.relabelledFrom !== undefined ? `, relabelled from owner "${result.relabelledFrom}"` : "";
      io.stdout(`${PREFIX} PUT ${request.path} -> ${result.status} (verified${how})`);
      return 0;
    }

    let result: DeleteObjectResult;
    try {
      result = await deleteObject(client, { path: request.path, owner: ownerOf(request.body), legacyOwner: request.legacy_owner, constructPath: request.construct_path });
    } catch (error) {
      // APISIX refuses to delete a service or upstream something still uses, e.g. a route left by a create that
      // failed after its PUT: Terraform marked it tainted and never runs its destroy hook. The connection's teardown,
      // destroyed after every object, deletes all of the owner's objects in order.
      if (!(error instanceof AdminApiError && error.kind === "http" && error.method === "DELETE" && error.status === 400)) throw error;
      if (report?.withoutTeardown === true) {
        // the provider engine: Terraform deleted our own objects first (dependency order), so what still uses it is
        // someone else's, as on API7 EE: leave it in place and say so
        warn(
          `warning: DELETE ${request.path} -> refused by the gateway (400: ${error.errorMsg ?? "no error message"}); ` +
            `left in place: something that is not this stack's still uses it; move or delete that, then delete it ` +
            `(construct ${request.construct_path})`,
        );
        return 0;
      }
      io.stdout(
        `${PREFIX} DELETE ${request.path} -> refused by the gateway (400: ${error.errorMsg ?? "no error message"}); left ` +
          `for the teardown of the connection, which deletes every object of the owner in order once the objects are ` +
          `destroyed (construct ${request.construct_path})`,
      );
      return 0;
    }
    switch (result.outcome) {
      case "deleted":
        io.stdout(`${PREFIX} DELETE ${request.path} -> deleted`);
        break;
      case "already-gone":
        io.stdout(`${PREFIX} DELETE ${request.path} -> already gone`);
        break;
      case "skipped-unmanaged":
        io.stdout(
          `${PREFIX} DELETE ${request.path} -> skipped: not managed by cdktf-apisix-bluegreen ` +
            `(labels: ${JSON.stringify(result.labels ?? {})}), left in place`,
        );
        break;
      case "skipped-held":
        warn(
          `warning: DELETE ${request.path} -> skipped: ` +
            `${describeHeld(serviceIdOf(request.path) ?? request.path, request.path, result.holders ?? [])} (construct ${request.construct_path})`,
        );
        break;
      case "skipped-other-owner":
        io.stdout(
          `${PREFIX} DELETE ${request.path} -> skipped: it now belongs to another owner ` +
            `(labels: ${JSON.stringify(result.labels ?? {})}), left in place`,
        );
        break;
    }
    return 0;
  } catch (error) {
    const message =
      signal?.aborted === true && !(error instanceof BluegreenError && error.name === "ReleaseError")
        ? `stopped during ${doing}: ${messageOf(signal.reason)}; nothing more was sent, and one write is all or ` +
          `nothing, so the gateway holds the old or the new object: deploy again to converge`
        : messageOf(error);
    const failure = redact(message, adminKey);
    io.stderr(`${PREFIX} ${failure}`);
    report?.failure(failure);
    return 1;
  } finally {
    await rawClient?.close().catch(() => undefined);
  }
}

/**
 * `client` whose calls fail once `signal` aborts: one not yet sent is never sent, one in flight is given up (its
 * retries stop too, see `retryReporter`). Without a signal, `client` itself.
 */
function stoppable(client: AdminClient, signal: AbortSignal | undefined): AdminClient {
  if (signal === undefined) return client;
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        signal.throwIfAborted();
        return untilAborted(Promise.resolve(value.apply(target, args)), signal);
      };
    },
  });
}

/** `promise`, or a rejection with `signal`'s reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The write of a service with `release`: a verified release (lib/release/run-release.ts), which prints its own
 * progress lines (redacted like every line of the hook) and restores the old body on any failure, then throws a
 * `ReleaseError`; a first write or a write that moves no traffic is one verified write.
 */
async function release(request: ObjectRequest, client: AdminClient, adminKey: string, io: CommandIo, stop: AbortSignal | undefined) {
  // loaded only when a release is declared: hooks without one keep their import graph (cold start is benchmarked)
  const { runRelease } = await import("../release/run-release");
  const orphaned = watchParent();
  try {
    const result = await runRelease({
      client,
      gateway: request.gateway,
      adminKey,
      cwd: io.cwd,
      path: request.path,
      body: request.body,
      adopt: request.adopt,
      legacyOwner: request.legacy_owner,
      constructPath: request.construct_path,
      release: request.release!,
      io: { env: io.env, stdout: (l) => io.stdout(redact(l, adminKey)), stderr: (l) => io.stderr(redact(l, adminKey)) },
      signal: stop === undefined ? orphaned.signal : AbortSignal.any([orphaned.signal, stop]),
    });
    return result.applied;
  } finally {
    orphaned.stop();
  }
}

/** How often a release checks that the `sh -c` Terraform started the hook from still runs. */
const PARENT_POLL_MS = 100;

/**
 * Aborts when this process's parent exits. Terraform stops an interrupted deploy's `local-exec` with SIGKILL to the
 * `/bin/sh -c` it started (Go's `exec.CommandContext`), and dash does not exec the hook, so the hook lives on as an
 * orphan (measured with Terraform 1.11.4: `signal: killed`, the hook reparented, still moving traffic after
 * `terraform apply` returned). Its new parent is the tell: the release then restores at once. (A SIGKILL to the
 * hook itself is the guardian's case.)
 */
function watchParent(): { readonly signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    controller.abort(new BluegreenError(`the deploy was stopped (the shell Terraform ran this hook from, pid ${parent}, was killed)`));
  }, PARENT_POLL_MS);
  timer.unref();
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}

/**
 * The health gate of a service write: probes every node that the body about to be written gives traffic and prints
 * one line per failed node plus a summary saying what the service on the gateway still points at. Resolves to false
 * (write nothing) when a node failed.
 */
async function healthGate(request: ObjectRequest, client: AdminClient, io: CommandIo): Promise<boolean> {
  const check = request.health_check!;
  const where = `(construct ${request.construct_path})`;
  const serviceId = check.service_id;
  if (serviceId === undefined) {
    // inputs synthesized by releases before service_id existed
    throw new BluegreenError(
      `health_check of PUT ${request.path} has no service_id: cdktf.out was synthesized by an older version of ` +
        `cdktf-apisix-bluegreen; synthesize again (cdktf synth or cdktf deploy) ${where}`,
    );
  }
  // loaded only when a health check is declared: hooks without one keep their import graph (cold start is benchmarked)
  const { describeProbe, describeUnchangedService, HealthPlanError, planHealthCheck, probeNodes } = await import(
    "../client/health-check"
  );
  let plan: ReturnType<typeof planHealthCheck>;
  try {
    plan = planHealthCheck(check, request.body, request.gateway.flavor, serviceId);
  } catch (error) {
    if (!(error instanceof HealthPlanError)) throw error;
    throw new BluegreenError(`health check: ${error.message}; the service was not changed ${where}`);
  }
  const get = `GET ${check.path}`;
  if (plan.probes.length === 0) {
    io.stdout(`${PREFIX} health check: no node of ${plan.colors.join(" or ") || "any color"} takes traffic, nothing to probe`);
    return true;
  }
  const results = await probeNodes(plan.probes, {
    path: check.path,
    expectStatus: check.expect_status,
    timeoutMs: check.timeout_ms,
  });
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) {
    io.stdout(`${PREFIX} health check passed: ${get} -> ${check.expect_status} from ${results.map((r) => describeProbe(r.probe)).join(", ")}`);
    return true;
  }
  for (const r of failed) {
    if (r.ok) continue;
    io.stderr(`${PREFIX} health check failed for ${describeProbe(r.probe)}: ${get} -> ${r.reason} ${where}`);
  }
  let current: Awaited<ReturnType<AdminClient["get"]>> | Error;
  try {
    current = await client.get(request.path, { constructPath: request.construct_path });
  } catch (error) {
    current = error instanceof Error ? error : new Error(String(error));
  }
  io.stderr(
    `${PREFIX} health check: ${failed.length} of ${results.length} ${results.length === 1 ? "node" : "nodes"} failed ` +
      `(${get}, expected ${check.expect_status} within ${check.timeout_ms} ms); PUT ${request.path} was not sent, so ` +
      `traffic stays as it is: ${describeUnchangedService(serviceId, current, request.body)}; ` +
      `fix the nodes (or healthCheck) and deploy again ${where}`,
  );
  return false;
}

/** Retries shown before going quiet; the final error still says how many attempts were made. */
const RETRY_LINES_SHOWN = 3;

/** Prints the first few retries of a hook run, then one line saying the rest are not shown. */
function retryReporter(io: CommandIo, signal: AbortSignal | undefined): (e: RetryEvent) => void {
  let shown = 0;
  return (e) => {
    // stopped: the client's retry loop ends here instead of sending again
    signal?.throwIfAborted();
    shown++;
    if (shown <= RETRY_LINES_SHOWN) {
      io.stderr(`${PREFIX} ${e.method} ${e.path} attempt ${e.attempt} failed (${e.reason}); retrying in ${e.delayMs} ms`);
    } else if (shown === RETRY_LINES_SHOWN + 1) {
      io.stderr(`${PREFIX} still retrying ${e.method} ${e.path} (${e.reason}); further attempts are not shown`);
    }
  };
}

function checkActionMatchesKind(action: HookAction, request: GatewayRequest): void {
  // a teardown deletes everything of its owner: it runs only as itself, and only a teardown runs as one
  if ((request.kind === "teardown") !== (action === "teardown")) {
    throw new BluegreenError(
      request.kind === "teardown"
        ? `'hook ${action}' got the teardown request of ${request.construct_path}, which only 'hook teardown' runs (at destroy)`
        : `'hook teardown' needs a teardown request but ${REQUEST_ENV} holds ${request.kind === "sweep" ? "a sweep" : "an object"} ` +
            `request (construct ${request.construct_path})`,
    );
  }
  if (action === "sweep" && request.kind === "object") {
    throw new BluegreenError(
      `'hook sweep' needs a sweep request but ${REQUEST_ENV} holds an object request for ${request.path} ` +
        `(construct ${request.construct_path}); use 'hook apply' or 'hook destroy'`,
    );
  }
}
