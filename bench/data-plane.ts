/**
 * 4. Data plane: throughput and added latency through the embedded gateway on a traffic-split route (the shape our
 * services have: upstream_id blue + traffic-split weighted green 0 / blue 100), against the same backend hit
 * directly; and the gateway's RSS with 1,000 routes loaded. The gateway and the backend each run in their own
 * child process; autocannon runs in this one.
 */
import os from "node:os";
import { startBackendProcess, type BackendProcess } from "./lib/backend";
import { ADMIN_KEY, admin, probe, startGatewayProcess, type RunningGateway } from "./lib/gateway";
import { pacedLatency, runLoad, type LoadResult } from "./lib/load";
import { type BenchContext, Section } from "./lib/report";
import { median, nowMs, percentile, sleep } from "./lib/stats";

const THROUGHPUT_CONNECTIONS = 10;
const LATENCY_CONNECTIONS = 8;

/** Configures one traffic-split service + route over `backend`, answering on `/dp`. */
async function configureSplitRoute(gw: RunningGateway, node: string): Promise<void> {
  const labels = { "managed-by": "bench" };
  for (const color of ["blue", "green"]) {
    await admin(gw.adminUrl, ADMIN_KEY, "PUT", `/apisix/admin/upstreams/dp-${color}`, {
      type: "roundrobin",
      scheme: "http",
      pass_host: "node",
      nodes: { [node]: 1 },
      labels,
    });
  }
  await admin(gw.adminUrl, ADMIN_KEY, "PUT", "/apisix/admin/services/dp-svc", {
    upstream_id: "dp-blue",
    labels,
    plugins: {
      "traffic-split": {
        rules: [{ weighted_upstreams: [{ upstream_id: "dp-green", weight: 0 }, { upstream_id: "dp-blue", weight: 100 }] }],
      },
    },
  });
  await admin(gw.adminUrl, ADMIN_KEY, "PUT", "/apisix/admin/routes/dp-route", {
    uris: ["/dp"],
    methods: ["GET"],
    service_id: "dp-svc",
    labels,
  });
}

function rpsOf(r: LoadResult): number {
  return r.result.requests.total / ((r.endedAt - r.startedAt) / 1000);
}

export async function runDataPlane(ctx: BenchContext): Promise<Section> {
  const section = new Section("dataplane");
  let backend: BackendProcess | undefined;
  let gw: RunningGateway | undefined;
  try {
    backend = await startBackendProcess(["backend"]);
    const b = backend.backends.backend;
    const direct = `${b.url}/dp`;
    let viaGateway: string | undefined;
    let gwErr: unknown;
    try {
      gw = await startGatewayProcess(ADMIN_KEY);
      await configureSplitRoute(gw, `${b.host}:${b.port}`);
      viaGateway = `${gw.proxyUrl}/dp`;
      const p = await probe(viaGateway);
      if (p.status !== 200 || p.backend !== "backend") throw new Error(`GET /dp through the gateway: ${p.status} ${p.backend ?? ""}`);
    } catch (err) {
      gwErr = err;
    }

    // Throughput: unlimited rate, alternating direct / gateway rounds.
    const rounds = ctx.quick ? 1 : 3;
    const secs = ctx.quick ? 2 : 3;
    await runLoad({ url: direct, connections: THROUGHPUT_CONNECTIONS, durationSec: 1 }); // warm-up
    if (viaGateway) await runLoad({ url: viaGateway, connections: THROUGHPUT_CONNECTIONS, durationSec: 1 });
    const dRps: number[] = [];
    const gRps: number[] = [];
    let gFailed = 0;
    for (let i = 0; i < rounds; i++) {
      if (i >= 1 && nowMs() > ctx.deadline) break;
      const d = await runLoad({ url: direct, connections: THROUGHPUT_CONNECTIONS, durationSec: secs });
      dRps.push(rpsOf(d));
      if (viaGateway) {
        const g = await runLoad({ url: viaGateway, connections: THROUGHPUT_CONNECTIONS, durationSec: secs });
        gRps.push(rpsOf(g));
        gFailed += g.result.non2xx + g.result.errors;
      }
      ctx.log(`throughput: direct ${dRps[i].toFixed(0)} req/s, gateway ${gRps[i]?.toFixed(0) ?? "-"} req/s`);
    }
    const dMed = median(dRps);
    section.add({
      benchmark: "throughput: backend direct (baseline)",
      size: `${THROUGHPUT_CONNECTIONS} conn`,
      measured: dMed,
      unit: "req/s",
      note: `autocannon, unlimited rate, ${secs} s rounds, median of ${dRps.length}`,
    });
    if (viaGateway) {
      const gMed = median(gRps);
      section.add({
        benchmark: "throughput: via gateway, traffic-split route",
        size: `${THROUGHPUT_CONNECTIONS} conn`,
        measured: gMed,
        baseline: dMed,
        unit: "req/s",
        target: ">= 0.60x",
        pass: gMed >= 0.6 * dMed && gFailed === 0,
        note: `alternating rounds with the direct baseline, median of ${gRps.length}; failed ${gFailed}; gateway, backend and autocannon in 3 processes on ${os.cpus().length} cores`,
        details: { direct: dRps, gateway: gRps },
      });
    } else {
      section.missing("throughput: via gateway, traffic-split route", `${THROUGHPUT_CONNECTIONS} conn`, ">= 0.60x", gwErr);
    }

    // Latency at a fixed, moderate rate: paced requests (no bursts), exact per-request latencies.
    const rate = viaGateway ? Math.max(200, Math.min(1000, Math.round(0.25 * median(gRps)))) : 1000;
    const lsecs = ctx.quick ? 2 : 4;
    const dP50: number[] = [];
    const dP99: number[] = [];
    const gP50: number[] = [];
    const gP99: number[] = [];
    let latFailed = 0;
    for (let i = 0; i < rounds; i++) {
      if (i >= 1 && nowMs() > ctx.deadline) break;
      const d = await pacedLatency({ url: direct, connections: LATENCY_CONNECTIONS, rate, durationMs: lsecs * 1000 });
      dP50.push(percentile(d.latencies, 50));
      dP99.push(percentile(d.latencies, 99));
      if (viaGateway) {
        const g = await pacedLatency({ url: viaGateway, connections: LATENCY_CONNECTIONS, rate, durationMs: lsecs * 1000 });
        gP50.push(percentile(g.latencies, 50));
        gP99.push(percentile(g.latencies, 99));
        latFailed += g.failed;
      }
      ctx.log(`latency @${rate}/s: direct p50 ${dP50[i].toFixed(3)} p99 ${dP99[i].toFixed(3)}; gateway p50 ${gP50[i]?.toFixed(3)} p99 ${gP99[i]?.toFixed(3)} ms`);
    }
    if (viaGateway) {
      const p50 = median(gP50);
      const p99 = median(gP99);
      const b50 = median(dP50);
      const b99 = median(dP99);
      const note = `${rate} req/s fixed and paced (~25% of gateway throughput, max 1000), ${LATENCY_CONNECTIONS} keep-alive connections (undici Pool), ${lsecs} s rounds alternating direct/gateway, exact per-request latencies, median of ${gP50.length} rounds; failed ${latFailed}`;
      section.add({
        benchmark: "latency p50 via gateway (added)",
        size: `${rate} req/s`,
        measured: p50,
        baseline: b50,
        unit: "ms",
        note: `added ${(p50 - b50).toFixed(3)} ms; ${note}`,
      });
      section.add({
        benchmark: "latency p99 via gateway (added)",
        size: `${rate} req/s`,
        measured: p99,
        baseline: b99,
        unit: "ms",
        target: "added < 2 ms",
        pass: p99 - b99 < 2 && latFailed === 0,
        note: `added ${(p99 - b99).toFixed(3)} ms; ${note}`,
        details: { direct: { p50: dP50, p99: dP99 }, gateway: { p50: gP50, p99: gP99 } },
      });
    } else {
      section.missing("latency p99 via gateway (added)", `${rate} req/s`, "added < 2 ms", gwErr);
    }
  } catch (err) {
    section.missing("data plane", "-", "-", err, "error");
  } finally {
    await gw?.close().catch(() => undefined);
  }

  // Memory: a fresh gateway child, empty vs 1,000 routes (100 traffic-split services, 10 routes each).
  try {
    await memory(ctx, section, backend);
  } catch (err) {
    section.missing("gateway RSS with 1,000 routes", "1000 routes", "< 150 MB", err);
  } finally {
    await backend?.stop();
  }
  return section;
}

async function memory(ctx: BenchContext, section: Section, backend: BackendProcess | undefined): Promise<void> {
  const gw = await startGatewayProcess(ADMIN_KEY);
  try {
    await sleep(300);
    const empty = gw.rss();
    const node = backend ? `${backend.backends.backend.host}:${backend.backends.backend.port}` : "127.0.0.1:9";
    const labels = { "managed-by": "bench" };
    const services = 100;
    const perService = 10;
    const put = (p: string, body: unknown) => admin(gw.adminUrl, ADMIN_KEY, "PUT", p, body);
    // Same shape as the library's APISIX objects: per service a blue and a green upstream and a traffic-split.
    const t0 = nowMs();
    await pool(services, 8, async (s) => {
      for (const color of ["blue", "green"]) {
        await put(`/apisix/admin/upstreams/m-${s}-${color}`, { type: "roundrobin", scheme: "http", pass_host: "node", nodes: { [node]: 1 }, labels });
      }
      await put(`/apisix/admin/services/m-${s}`, {
        upstream_id: `m-${s}-blue`,
        labels,
        plugins: {
          "traffic-split": {
            rules: [
              { vars: [["http_x_env", "==", "green"]], weighted_upstreams: [{ upstream_id: `m-${s}-green`, weight: 1 }] },
              { weighted_upstreams: [{ upstream_id: `m-${s}-green`, weight: 0 }, { upstream_id: `m-${s}-blue`, weight: 100 }] },
            ],
          },
        },
      });
    });
    await pool(services * perService, 8, async (i) => {
      await put(`/apisix/admin/routes/m-route-${i}`, {
        uris: [`/m/${Math.floor(i / perService)}/${i}`, `/m/${Math.floor(i / perService)}/${i}/*`],
        methods: ["GET"],
        service_id: `m-${Math.floor(i / perService)}`,
        labels,
      });
    });
    const loadMs = nowMs() - t0;
    // Serve some requests so the router is built and connection pools exist.
    let ok = 0;
    for (let i = 0; i < services * perService; i += 10) {
      const r = await probe(`${gw.proxyUrl}/m/${Math.floor(i / perService)}/${i}`);
      if (r.status === 200) ok++;
    }
    await sleep(500);
    const loaded = gw.rss();
    ctx.log(`gateway RSS: empty ${(empty / 2 ** 20).toFixed(1)} MB, 1000 routes ${(loaded / 2 ** 20).toFixed(1)} MB; ${ok}/100 probes ok`);
    section.add({
      benchmark: "gateway RSS with 1,000 routes",
      size: "1000 routes",
      measured: loaded / 2 ** 20,
      baseline: empty / 2 ** 20,
      unit: "MB",
      target: "< 150 MB",
      pass: loaded / 2 ** 20 < 150 && ok === 100,
      note: `VmRSS of the gateway child; baseline = the same child empty; 200 upstreams + 100 traffic-split services + 1,000 routes PUT in ${loadMs.toFixed(0)} ms, then 100 routes probed (${ok} answered 200)`,
    });
  } finally {
    await gw.close();
  }
}

/** Runs `fn(0..n-1)` with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}
