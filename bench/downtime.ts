/**
 * 3. Zero downtime: autocannon drives the embedded gateway with 8 connections while `terraform apply` flips the
 * active color, and again during the rollback. Every response's backend (`X-Backend`) and arrival time is recorded:
 * target 0 failed requests (non-2xx or errors) and 0 responses from the old color after the apply returned.
 */
import { startBackendProcess, type BackendProcess } from "./lib/backend";
import { ADMIN_KEY, startBenchGateway, type RunningGateway } from "./lib/gateway";
import type { Color } from "../lib";
import { loadLibrary, routePath, synthStack, type LibraryApi } from "./lib/library";
import { failedCount, startLoad } from "./lib/load";
import { type BenchContext, Section } from "./lib/report";
import { sleep } from "./lib/stats";
import { applySummary, Workspace } from "./lib/terraform";

const CONNECTIONS = 8;
/**
 * No rate limit: autocannon's overallRate sends each second's quota in a burst and then idles, so a flip could fall
 * into a quiet gap. Unlimited keeps all 8 connections busy for the whole apply (and competes with it for CPU).
 */
const ROUTES = 10;
const LEAD_MS = 1500;
const TAIL_MS = 1500;

interface Phase {
  name: "flip" | "rollback";
  to: Color;
}

export async function runDowntime(ctx: BenchContext): Promise<Section> {
  const section = new Section("downtime");
  let lib: LibraryApi;
  let gateway: (RunningGateway & { mode: string }) | undefined;
  let backends: BackendProcess | undefined;
  let ws: Workspace | undefined;
  try {
    lib = loadLibrary();
    gateway = await startBenchGateway(ADMIN_KEY);
    backends = await startBackendProcess(["blue", "green"]);
  } catch (err) {
    for (const p of ["flip", "rollback"]) {
      section.missing(`failed requests during ${p}`, `${CONNECTIONS} conn`, "= 0", err);
      section.missing(`old-color responses after ${p} returned`, `${CONNECTIONS} conn`, "= 0", err);
    }
    await gateway?.close().catch(() => undefined);
    await backends?.stop();
    return section;
  }
  try {
    ws = new Workspace("downtime", "bench", { GATEWAY_ADMIN_KEY: ADMIN_KEY });
    const { blue, green } = backends.backends;
    const synth = (active: Color) =>
      synthStack(
        lib,
        ws!.dir,
        "bench",
        { routes: ROUTES, active, adminUrl: gateway!.adminUrl, blue, green },
        { skipValidation: true },
      );
    synth("blue");
    await ws.apply();
    const url = gateway.proxyUrl + routePath(0, 0);

    const phases: Phase[] = [
      { name: "flip", to: "green" },
      { name: "rollback", to: "blue" },
    ];
    for (const phase of phases) {
      const old: Color = phase.to === "green" ? "blue" : "green";
      synth(phase.to);
      const load = startLoad({ url, connections: CONNECTIONS, durationSec: 60, track: true });
      await sleep(LEAD_MS);
      const apply = await ws.apply();
      await sleep(TAIL_MS);
      load.stop();
      const res = await load.done;
      const r = res.result;
      const failed = failedCount(r);
      const after = res.records.filter((x) => x.t > apply.endedAt);
      const oldAfter = after.filter((x) => x.backend === old).length;
      const oldTimes = res.records.filter((x) => x.backend === old).map((x) => x.t);
      const newTimes = res.records.filter((x) => x.backend === phase.to).map((x) => x.t);
      const lastOld = oldTimes.length ? Math.max(...oldTimes) - apply.endedAt : Number.NaN;
      const firstNew = newTimes.length ? Math.min(...newTimes) - apply.startedAt : Number.NaN;
      const other = res.records.filter((x) => x.status < 200 || x.status >= 300).length;
      const rps = (res.records.length / (res.endedAt - res.startedAt)) * 1000;
      // Longest stretch without any response during the apply (a stall would hide a failure window).
      let gap = 0;
      let prev = apply.startedAt;
      for (const x of res.records) {
        if (x.t < apply.startedAt) continue;
        if (x.t > apply.endedAt) break;
        gap = Math.max(gap, x.t - prev);
        prev = x.t;
      }
      gap = Math.max(gap, apply.endedAt - prev);
      const during = res.records.filter((x) => x.t >= apply.startedAt && x.t <= apply.endedAt).length;
      const common =
        `${CONNECTIONS} connections, unlimited rate (${rps.toFixed(0)} req/s achieved), ${res.records.length} responses, ${during} during the apply, longest gap ${gap.toFixed(1)} ms; ` +
        `apply ${apply.ms.toFixed(0)} ms (${applySummary(apply.stdout)}); first ${phase.to} response ${firstNew.toFixed(0)} ms after apply start; ` +
        `last ${old} response ${lastOld.toFixed(0)} ms relative to apply end; gateway ${gateway.mode}`;
      ctx.log(`${phase.name}: failed ${failed}, old after end ${oldAfter}; ${common}`);
      section.add({
        benchmark: `failed requests during ${phase.name}`,
        size: `${CONNECTIONS} conn`,
        measured: failed,
        baseline: r.requests.total,
        unit: "req",
        target: "= 0",
        pass: failed === 0 && other === 0,
        note: `baseline = requests sent; non-2xx ${r.non2xx}, errors ${r.errors} (timeouts ${r.timeouts}); ${common}`,
        details: {
          autocannon: { requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, resets: r.resets },
          responsesDuringApply: during,
          longestGapDuringApplyMs: gap,
        },
      });
      section.add({
        benchmark: `old-color responses after ${phase.name} returned`,
        size: `${CONNECTIONS} conn`,
        measured: oldAfter,
        baseline: after.length,
        unit: "resp",
        target: "= 0",
        pass: oldAfter === 0 && after.length > 0,
        note: `baseline = responses after terraform apply exited (${(TAIL_MS / 1000).toFixed(1)} s tail); ${old} responses arriving later: ${oldAfter}`,
        details: { lastOldRelativeToApplyEndMs: lastOld, firstNewAfterApplyStartMs: firstNew, applyMs: apply.ms },
      });
    }
  } catch (err) {
    section.missing("zero downtime", "-", "= 0", err, "error");
  } finally {
    await gateway.close().catch(() => undefined);
    await backends.stop();
    ws?.cleanup();
  }
  return section;
}
