/**
 * A real Prometheus server for tests (Debian's `prometheus` package; `.ci/run` installs it): a temporary config that
 * scrapes the given metrics URLs every second, a temporary TSDB, a free loopback port. `stop()` kills it and removes
 * the folder. Fails (never skips) when `prometheus` is not on PATH.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./gateway-process";

export interface PrometheusServer {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  /** Resolves once every target has been scraped successfully (health "up"). */
  waitForTargetsUp(): Promise<void>;
  /** Instant query (`/api/v1/query`) at `time` (default: now): the result vector's labels and values. */
  query(promql: string, time?: Date): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** A GET on the HTTP API, parsed `data`. */
  api(pathAndQuery: string): Promise<unknown>;
  stop(): Promise<void>;
}

const NOT_INSTALLED =
  "prometheus is not on PATH: install Debian's package (apt-get install -y --no-install-recommends prometheus); .ci/run installs it before npm test";

/** Starts Prometheus scraping `metricsUrls` every `scrapeIntervalSec` (default 1) and waits until it is ready. */
export async function startPrometheus(metricsUrls: readonly string[], scrapeIntervalSec = 1): Promise<PrometheusServer> {
  const probe = spawnSync("prometheus", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) throw new Error(NOT_INSTALLED);
  const dir = mkdtempSync(path.join(os.tmpdir(), "bluegreen-prometheus-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const jobs = metricsUrls.map((u, i) => {
    const target = new URL(u);
    return [
      `  - job_name: gateway-${i}`,
      `    metrics_path: ${JSON.stringify(target.pathname)}`,
      `    static_configs:`,
      `      - targets: [${JSON.stringify(target.host)}]`,
    ].join("\n");
  });
  const config = [
    "global:",
    `  scrape_interval: ${scrapeIntervalSec}s`,
    `  scrape_timeout: ${scrapeIntervalSec}s`,
    "scrape_configs:",
    ...jobs,
    "",
  ].join("\n");
  writeFileSync(path.join(dir, "prometheus.yml"), config);
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    })());

  const getJson = async (pathAndQuery: string): Promise<{ status: string; data: unknown; error?: string }> => {
    const res = await fetch(url + pathAndQuery);
    const body = (await res.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${pathAndQuery}: ${res.status} ${body.error ?? ""}`);
    return body;
  };
  const waitFor = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (code ${child.exitCode}) while waiting for ${what}:\n${stderr}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`prometheus: no ${what} within 60 s\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    await waitFor("ready", async () => (await fetch(`${url}/-/ready`)).ok);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    stop,
    api: async (pathAndQuery) => (await getJson(pathAndQuery)).data,
    waitForTargetsUp: () =>
      waitFor("scraped targets", async () => {
        const { data } = await getJson("/api/v1/targets?state=active");
        const targets = (data as { activeTargets: { health: string }[] }).activeTargets;
        return targets.length === metricsUrls.length && targets.every((t) => t.health === "up");
      }),
    query: async (promql, time) => {
      const params = new URLSearchParams({ query: promql });
      if (time) params.set("time", String(time.getTime() / 1000));
      const { data } = await getJson(`/api/v1/query?${params}`);
      const result = (data as { result: { metric: Record<string, string>; value: [number, string] }[] }).result;
      return result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
