/**
 * Shared pieces of the metrics and analysis tests: blue (127.0.0.2) and green (127.0.0.3) backends with embedded
 * gateways on free ports (and optionally a real Prometheus scraping them), an Admin API PUT, the traffic-split
 * service of the pair (blue is the service's upstream, green the weighted inline upstream), and a closed port.
 */
import { createServer } from "node:net";
import { Agent } from "undici";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { startBackend, type Backend } from "./backends";
import { startPrometheus, type PrometheusServer } from "./prometheus-server";

export interface MetricsFixture {
  readonly blue: Backend;
  readonly green: Backend;
  readonly gateways: readonly RunningGateway[];
  /** Present when asked for: scrapes every gateway every second, targets already up. */
  readonly prometheus: PrometheusServer | undefined;
  /** A keep-alive dispatcher for the test's requests. */
  readonly agent: Agent;
  /** Stops everything; the backends are reset to 200 without delay first. */
  close(): Promise<void>;
}

/** Starts the backends, `gateways` gateways (default 1) and, with `prometheus`, a Prometheus server. */
export async function startMetricsFixture(options: { gateways?: number; prometheus?: boolean } = {}): Promise<MetricsFixture> {
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const backends: Backend[] = [];
  const gateways: RunningGateway[] = [];
  let prometheus: PrometheusServer | undefined;
  const close = async () => {
    await prometheus?.stop();
    await Promise.all(gateways.map((g) => g.close()));
    await agent.close();
    await Promise.all(backends.map((b) => b.close()));
  };
  try {
    backends.push(...(await Promise.all([startBackend("blue", { host: "127.0.0.2" }), startBackend("green", { host: "127.0.0.3" })])));
    for (let i = 0; i < (options.gateways ?? 1); i++) {
      gateways.push(await startGateway({ adminPort: 0, proxyPort: 0, metricsPort: 0, adminKey: `metrics-fixture-key-${i}` }));
    }
    if (options.prometheus) {
      prometheus = await startPrometheus(gateways.map((g) => g.metricsUrl));
      await prometheus.waitForTargetsUp();
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { blue: backends[0], green: backends[1], gateways, prometheus, agent, close };
}

/** PUTs `body` at `/apisix/admin/<path>`; throws with the answer unless 2xx. */
export async function putObject(gw: RunningGateway, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${gw.adminUrl}/apisix/admin/${path}`, {
    method: "PUT",
    headers: { "x-api-key": gw.adminKey, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`PUT ${path} -> ${res.status} ${text}`);
}

/** A one-node roundrobin upstream on `backend`. */
export function upstreamOf(backend: Backend): Record<string, unknown> {
  return { type: "roundrobin", nodes: { [`${backend.host}:${backend.port}`]: 1 } };
}

/** A service body: blue as its upstream, traffic-split `greenWeight` : `blueWeight` to green, plus `plugins`. */
export function splitService(
  blue: Backend,
  green: Backend,
  plugins: Record<string, unknown>,
  greenWeight = 1,
  blueWeight = 1,
): Record<string, unknown> {
  return {
    upstream: upstreamOf(blue),
    plugins: {
      ...plugins,
      "traffic-split": { rules: [{ weighted_upstreams: [{ upstream: upstreamOf(green), weight: greenWeight }, { weight: blueWeight }] }] },
    },
  };
}

/** A port on `host` that nothing listens on (listened on once, then closed). */
export function closedPort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
