/**
 * The release runner: writes a service body as a verified release when it moves traffic toward a color (or gives a
 * color that takes traffic new nodes), and puts the old body back by itself when the new color misbehaves.
 *
 * 1. GET the body the gateway holds (`before`) and plan (release-plan.ts). No service yet, or nothing that takes
 *    traffic changes: one verified write, as without `release`.
 * 2. Before any write: resolve the node IPs for the analysis (refusing colors that share one) and arm the guardian
 *    process that restores `before` if this process dies (guardian-handoff.ts).
 * 3. With `preview`: the checks, with the preview header of the color that gains traffic; any failure and nothing
 *    is written.
 * 4. Each step between the current and the declared share of that color, then the declared body: a verified write
 *    (`applyObject`: ownership, adopt, read-back), then `step_interval_sec` watched: the checks without the header
 *    and the analysis of the watched colors' requests. Inconclusive windows are watched again, up to
 *    `max_inconclusive_windows` in a row.
 * 5. Any failure (a check, the analysis, the gateway erroring, SIGINT/SIGTERM, an abort): `before` is written back
 *    and verified with a fresh client (its own retry budget), and a `ReleaseError` says where it stopped, why, and
 *    what serves now.
 *
 * `BLUEGREEN_RELEASE=immediate` skips 2-5: one verified write, for a rollback under fire.
 */
import type { AdminClient } from "../client/admin-client";
import { BluegreenError } from "../bluegreen-error";
import { describeError } from "../client/transport";
import { applyObject, type ApplyObjectResult, isManaged, serviceIdOf } from "../client/object-sync";
import { clientForTarget } from "../deploy/target-client";
import { type Color, COLORS } from "../model/specs";
import type { GatewayTarget } from "../model/gateway-request";
import { type AnalysisWindow, judgeWindow, openAnalysisWindow, type WindowFigures, type WindowVerdict } from "./analysis";
import { type CheckHeader, type ChecksOutcome, describeFailedChecks, runChecks } from "./checks";
import { armGuardian, type Guardian } from "./guardian-handoff";
import { colorAddresses } from "./node-addresses";
import { planRelease, previewBody, type ReleasePlan, type ReleaseStep, stepWeights } from "./release-plan";
import { previewHeader, type ReleaseInput } from "./release-input";
import { restorableBody, restoreService } from "./restore";
import { type BodyScope, describeShares, formatShare, withColorWeights } from "./weights";

/** The environment variable of the emergency path, and its one value. */
export const RELEASE_MODE_ENV = "BLUEGREEN_RELEASE";
export const RELEASE_MODE_IMMEDIATE = "immediate";

const PREFIX = "bluegreen:";

/** Where the runner prints, and the environment it reads `BLUEGREEN_RELEASE` from. */
export interface ReleaseIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** Everything `runRelease` needs. */
export interface RunReleaseOptions {
  /** The client of this hook run (its retry budget bounds the release's Admin API calls). */
  readonly client: AdminClient;
  /** How to reach the gateway again: the restore's own client and the guardian are built from it. */
  readonly gateway: GatewayTarget;
  readonly adminKey: string;
  /** Where a relative `tls_ca_file` is resolved. */
  readonly cwd: string;
  /** Admin API path of the service (with query on API7 EE). */
  readonly path: string;
  /** The declared service body. */
  readonly body: Record<string, unknown>;
  readonly adopt?: boolean;
  readonly legacyOwner?: string;
  readonly constructPath: string;
  readonly release: ReleaseInput;
  readonly io: ReleaseIo;
  /** Milliseconds now (tests). @default Date.now */
  readonly now?: () => number;
  /** Waits `ms` unless `signal` aborts first, then rejects with its reason (tests). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborts the release (it is then restored). */
  readonly signal?: AbortSignal;
  /** Restore and fail on SIGINT and SIGTERM while the release runs. @default true */
  readonly handleSignals?: boolean;
  /** The guardian script to run with node. @default - `guardianCommand()` (guardian.js beside the module, or the bundled hook itself) */
  readonly guardianScript?: string;
  /** A file the guardian appends its lines to. @default - none */
  readonly guardianLogFile?: string;
}

/** What a completed `runRelease` did. */
export interface ReleaseResult {
  /** `immediate`: the emergency path; `create`, `plain`: one verified write; `move`, `nodes`: a verified release. */
  readonly kind: "immediate" | "create" | "plain" | "move" | "nodes";
  /** The write of the declared body. */
  readonly applied: ApplyObjectResult;
  /** The guardian of a release (it exits by itself once told the release completed). */
  readonly guardianPid?: number;
}

/** A release that did not complete; `message` says where it stopped, why, and what the gateway serves now. */
export class ReleaseError extends BluegreenError {
  constructor(
    message: string,
    /** Whether anything this run wrote was put back and verified (or nothing was written). */
    readonly restored: boolean,
    /** The guardian of the release, when one was armed. */
    readonly guardianPid?: number,
  ) {
    super(message);
    this.name = "ReleaseError";
  }
}

/** A failure while traffic moves: why, at which step. */
class StepFailure extends Error {}
/** The preview checks failed: nothing moved. */
class PreviewFailure extends Error {}

/** Runs the release of `options.body`; throws `ReleaseError` (or the client's `AdminApiError` before any write). */
export async function runRelease(options: RunReleaseOptions): Promise<ReleaseResult> {
  const { client, path, body, constructPath, io } = options;
  const apply = (b: Record<string, unknown>) =>
    applyObject(client, { path, body: b, adopt: options.adopt, legacyOwner: options.legacyOwner, constructPath });
  const what = `release of ${constructPath}`;

  const mode = io.env[RELEASE_MODE_ENV];
  if (mode === RELEASE_MODE_IMMEDIATE) {
    io.stdout(`${PREFIX} ${RELEASE_MODE_ENV}=${RELEASE_MODE_IMMEDIATE}: ${what} skips steps, checks and analysis (one verified write)`);
    return { kind: "immediate", applied: await apply(body) };
  }
  if (mode !== undefined && mode !== "") {
    throw new ReleaseError(
      `${what} not started: ${RELEASE_MODE_ENV} is ${JSON.stringify(mode)}; set it to "${RELEASE_MODE_IMMEDIATE}" to skip steps, ` +
        "checks and analysis, or unset it; nothing was written",
      true,
    );
  }
  const serviceId = serviceIdOf(path);
  if (serviceId === undefined) throw new ReleaseError(`${what}: a release writes services, not ${path}; nothing was written`, true);
  const declared = COLORS.filter((c) => options.release.targets[c] !== undefined);
  const scope: BodyScope = { flavor: client.flavor, serviceId, declared: declared.length > 0 ? declared : COLORS };

  const before = await client.get(path, { constructPath });
  let plan: ReleasePlan;
  try {
    // a service we did not write (adopted) has no colors to move from: its first write of ours is not a release
    plan = before === undefined || !isManaged(before) ? { kind: "create" } : planRelease(before, body, scope, options.release.steps);
  } catch (error) {
    throw new ReleaseError(`${what} not started: cannot read the weights of service ${serviceId}: ${describeError(error)}; nothing was written`, true);
  }
  if (plan.kind === "create" || plan.kind === "plain") return { kind: plan.kind, applied: await apply(body) };
  return new Release(options, plan, before!, scope, apply).run();
}

type Apply = (body: Record<string, unknown>) => Promise<ApplyObjectResult>;
type MovingPlan = Extract<ReleasePlan, { kind: "move" | "nodes" }>;

/** One release in progress. */
class Release {
  private readonly what: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly abort = new AbortController();
  /** Whether this run changed the service (so a failure must restore). */
  private wrote = false;
  private guardian?: Guardian;
  private nodeIps: Partial<Record<Color, string[]>> = {};

  constructor(
    private readonly o: RunReleaseOptions,
    private readonly plan: MovingPlan,
    private readonly before: Record<string, unknown>,
    private readonly scope: BodyScope,
    private readonly apply: Apply,
  ) {
    this.what = `release of ${o.constructPath}`;
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? abortableSleep;
  }

  async run(): Promise<ReleaseResult> {
    const { plan, o } = this;
    await this.prepare();
    const stopSignals = this.listen();
    let step: ReleaseStep | undefined;
    try {
      this.announce();
      await this.previewChecks();
      let applied: ApplyObjectResult | undefined;
      for (const [i, s] of plan.steps.entries()) {
        step = s;
        const stepBody = s.final ? o.body : withColorWeights(o.body, this.scope, stepWeights(plan.gaining, s.percent));
        this.wrote = true;
        const result = await this.apply(stepBody);
        if (s.final) applied = result;
        this.abort.signal.throwIfAborted();
        await this.watch(s, i + 1);
      }
      await this.guardian!.complete();
      return { kind: plan.kind, applied: applied!, guardianPid: this.guardian!.pid };
    } catch (error) {
      throw await this.fail(error, step);
    } finally {
      stopSignals();
    }
  }

  /** Everything that must hold before the first write: the node IPs, and an armed guardian. */
  private async prepare(): Promise<void> {
    const { o, plan } = this;
    const notStarted = (why: string) => new ReleaseError(`${this.what} stopped before any traffic moved: ${why}; nothing was written`, true);
    if (o.release.analysis !== undefined) {
      for (const color of COLORS) {
        const targets = o.release.targets[color];
        if (targets === undefined) {
          if (plan.watched.includes(color)) throw notStarted(`the release input lists no ${color} nodes to analyse`);
          continue;
        }
        try {
          this.nodeIps[color] = await colorAddresses(targets.map((t) => t.host));
        } catch (error) {
          throw notStarted(describeError(error));
        }
      }
      const shared = (this.nodeIps.blue ?? []).filter((ip) => (this.nodeIps.green ?? []).includes(ip));
      if (shared.length > 0) {
        throw notStarted(
          `blue and green share the node IP ${shared.join(", ")}, so the analysis cannot tell their requests apart (the ` +
            "gateway labels its metrics with the IP it connected to); give each color its own node IPs",
        );
      }
    }
    try {
      this.guardian = await armGuardian(
        {
          path: o.path,
          before: this.before,
          gateway: o.gateway,
          admin_key: o.adminKey,
          construct_path: o.constructPath,
          cwd: o.cwd,
          ...(o.guardianLogFile === undefined ? {} : { log_file: o.guardianLogFile }),
        },
        o.guardianScript,
      );
    } catch (error) {
      throw notStarted(describeError(error));
    }
  }

  /** SIGINT/SIGTERM and the caller's signal abort the release; returns the function that stops listening. */
  private listen(): () => void {
    const { o } = this;
    const interrupt = (name: string) => () => this.abort.abort(new StepFailure(`interrupted (${name})`));
    const onOuter = () => this.abort.abort(new StepFailure(`interrupted (${describeError(o.signal?.reason ?? "aborted")})`));
    o.signal?.addEventListener("abort", onOuter, { once: true });
    if (o.signal?.aborted) onOuter();
    const handlers: Array<[NodeJS.Signals, () => void]> =
      o.handleSignals === false ? [] : [["SIGINT", interrupt("SIGINT")], ["SIGTERM", interrupt("SIGTERM")]];
    for (const [name, handler] of handlers) process.on(name, handler);
    return () => {
      o.signal?.removeEventListener("abort", onOuter);
      for (const [name, handler] of handlers) process.off(name, handler);
    };
  }

  private announce(): void {
    const { plan, o } = this;
    const steps = plan.steps.map((s) => `${formatShare(s.percent)}%`).join(", ");
    const how = plan.kind === "move" ? `${describeShares(plan.from)} -> ${describeShares(plan.to)}` : `new ${plan.watched.join(" and ")} nodes`;
    o.io.stdout(
      `${PREFIX} ${this.what}: ${how}; ${plan.gaining} through ${steps}, each watched for ${o.release.step_interval_sec} s ` +
        `(guardian pid ${this.guardian!.pid} restores the service if this deploy is stopped)`,
    );
  }

  /** The checks with the preview header of the gaining color, before any traffic moves. */
  private async previewChecks(): Promise<void> {
    const { o, plan } = this;
    const header = previewHeader(o.release, plan.gaining);
    if (header === undefined || o.release.checks.length === 0) return;
    const preview = previewBody(restorableBody(this.before), o.body);
    if (preview !== undefined) {
      // the preview rules of `before` do not reach the declared nodes yet: write them, traffic stays as it is
      this.wrote = true;
      await this.apply(preview);
    }
    const outcome = await this.checks(header);
    if (outcome.failed.length === 0) {
      o.io.stdout(`${PREFIX} ${this.what}: ${outcome.total} of ${outcome.total} checks with ${header.name}: ${header.value} passed`);
      return;
    }
    throw new PreviewFailure(describeFailedChecks(outcome, header));
  }

  private checks(header?: CheckHeader): Promise<ChecksOutcome> {
    const { release } = this.o;
    return runChecks(release.proxy_url, release.checks, { header, hosts: release.hosts, signal: this.abort.signal });
  }

  /** Watches one written step: windows of `step_interval_sec` until one passes. */
  private async watch(step: ReleaseStep, index: number): Promise<void> {
    const { o, plan } = this;
    const analysis = o.release.analysis;
    const intervalMs = o.release.step_interval_sec * 1000;
    const stepStarted = this.now();
    for (let inconclusive = 0; ; ) {
      const windows = new Map<Color, AnalysisWindow>();
      if (analysis !== undefined) {
        const source = analysis.exporter_urls !== undefined ? { exporterUrls: analysis.exporter_urls } : { prometheusUrl: analysis.prometheus_url! };
        for (const color of plan.watched) {
          windows.set(color, await openAnalysisWindow(source, { serviceId: this.scope.serviceId, nodeIps: this.nodeIps[color]! }));
        }
      }
      const started = this.now();
      const outcome = await this.checks();
      if (outcome.failed.length > 0) throw new StepFailure(describeFailedChecks(outcome));
      await this.sleep(Math.max(0, intervalMs - (this.now() - started)), this.abort.signal);
      const verdicts: Array<[Color, WindowVerdict]> = [];
      for (const [color, window] of windows) {
        const figures = await window.close();
        verdicts.push([color, judgeWindow(figures, thresholds(analysis!))]);
      }
      this.abort.signal.throwIfAborted();
      for (const [color, v] of verdicts) {
        if (v.verdict === "fail") throw new StepFailure(`${color} ${v.reasons.join(", ")}`);
      }
      const progress = `${this.stepName(step)} — ${describeWindow(verdicts, outcome)}`;
      const position = `step ${index}/${plan.steps.length}, ${Math.round((this.now() - stepStarted) / 1000)} s`;
      const unclear = verdicts.filter(([, v]) => v.verdict === "inconclusive");
      if (unclear.length === 0) {
        o.io.stdout(`${PREFIX} ${progress} (${position})`);
        return;
      }
      inconclusive++;
      const reason = unclear.map(([color, v]) => `${color}: ${v.verdict === "inconclusive" ? v.reason : ""}`).join("; ");
      const max = analysis!.max_inconclusive_windows;
      if (inconclusive >= max) {
        throw new StepFailure(`the analysis was inconclusive ${inconclusive} ${inconclusive === 1 ? "window" : "windows"} in a row (${reason})`);
      }
      o.io.stdout(`${PREFIX} ${progress}: inconclusive (${reason}), watching again (${inconclusive} of ${max}) (${position})`);
    }
  }

  /** `shop green 50%` */
  private stepName(step: ReleaseStep): string {
    return `${this.scope.serviceId} ${this.plan.gaining} ${formatShare(step.percent)}%`;
  }

  /** Puts `before` back (when anything was written) and builds the error that says so. */
  private async fail(error: unknown, step: ReleaseStep | undefined): Promise<ReleaseError> {
    const { o, plan } = this;
    const why = error instanceof StepFailure || error instanceof PreviewFailure ? error.message : describeError(error);
    const where =
      step === undefined
        ? "stopped before any traffic moved"
        : step.final
          ? `stopped at the declared weights (${plan.gaining} ${formatShare(step.percent)}%)`
          : `stopped at step ${formatShare(step.percent)}%`;
    const guardian = this.guardian!;
    if (!this.wrote) {
      await guardian.complete();
      return new ReleaseError(`${this.what} ${where}: ${why}; nothing was written`, true, guardian.pid);
    }
    const restored = step === undefined ? "restored the service as it was (verified)" : `restored ${describeShares(plan.from)} (verified)`;
    const client = clientForTarget(o.gateway, o.adminKey, o.cwd);
    try {
      await restoreService(client, o.path, this.before, o.constructPath);
    } catch (restoreError) {
      guardian.abandon(); // the guardian keeps trying with its own budget
      return new ReleaseError(
        `${this.what} ${where}: ${why}; the restore of ${describeShares(plan.from)} failed (${describeError(restoreError)}); the release ` +
          `guardian (pid ${guardian.pid}) keeps trying to put the old service body back`,
        false,
        guardian.pid,
      );
    } finally {
      await client.close().catch(() => undefined);
    }
    await guardian.complete();
    return new ReleaseError(`${this.what} ${where}: ${why}; ${restored}`, true, guardian.pid);
  }
}

function thresholds(a: NonNullable<ReleaseInput["analysis"]>) {
  return { minSuccessRatePercent: a.min_success_rate_percent, maxP99Ms: a.max_p99_ms, minRequests: a.min_requests };
}

/** `412 requests, 100.0% ok, p99 12 ms; 10 checks passed`, per watched color when there are several. */
function describeWindow(verdicts: ReadonlyArray<[Color, WindowVerdict]>, checks: ChecksOutcome): string {
  const parts = verdicts.map(([color, v]) => `${verdicts.length > 1 ? `${color} ` : ""}${describeFigures(v.figures)}`);
  if (checks.total > 0) parts.push(`${checks.total} ${checks.total === 1 ? "check" : "checks"} passed`);
  return parts.join("; ");
}

function describeFigures(f: WindowFigures): string {
  const rate = f.successRatePercent === undefined ? "" : `, ${f.successRatePercent.toFixed(1)}% ok`;
  const p99 = f.p99Ms === undefined ? "" : `, p99 ${Math.round(f.p99Ms)} ms`;
  return `${f.requests} ${f.requests === 1 ? "request" : "requests"}${rate}${p99}`;
}

/** `setTimeout` that rejects with the signal's reason when it aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
