/**
 * `startGateway`: the embedded APISIX-compatible gateway — an Admin API listener (control plane), a proxy
 * listener (data plane) and a metrics listener (the `prometheus` plugin's export server) sharing one store,
 * optionally backed by a state file.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import type { Flavor } from "../model/gateway-request";
import { createAdminHandler } from "./admin-api";
import { createDataPlane } from "./data-plane";
import type { AdminFaults } from "./faults";
import { GatewayMetrics, METRICS_PATH } from "./metrics";
import { createMetricsHandler } from "./metrics-endpoint";
import { checkStateFileWritable, loadStateFile, saveStateFile } from "./state-file";
import { GatewayStore } from "./store";

export interface GatewayOptions {
  /** Admin API port; 0 picks a free port. @default 9180 */
  readonly adminPort?: number;
  /** Proxy port; 0 picks a free port. @default 9080 */
  readonly proxyPort?: number;
  /**
   * Metrics port (`GET /apisix/prometheus/metrics`); 0 picks a free port.
   * @default 9091, or a free port when `adminPort` or `proxyPort` is 0 (so gateways on free ports never collide)
   */
  readonly metricsPort?: number;
  /** Listen address; anything but loopback needs an explicit `adminKey`. @default "127.0.0.1" */
  readonly host?: string;
  /** Admin key; a random one is generated when absent (returned as `adminKey`). */
  readonly adminKey?: string;
  /** @default "apisix" */
  readonly flavor?: Flavor;
  /** JSON file every accepted write is persisted to before it is answered; restored at start-up. */
  readonly stateFile?: string;
  /** Receives log lines (never the admin key). */
  readonly log?: (line: string) => void;
  /**
   * A fault switch (lib/gateway/faults.ts) consulted before every Admin API request. Off by default.
   *
   * @internal test-only
   */
  readonly faults?: AdminFaults;
}

/** A running gateway. */
export interface RunningGateway {
  /** e.g. `http://127.0.0.1:9180` */
  readonly adminUrl: string;
  /** e.g. `http://127.0.0.1:9080` */
  readonly proxyUrl: string;
  /** The Prometheus metrics of the routes and services that enable the `prometheus` plugin, e.g. `http://127.0.0.1:9091/apisix/prometheus/metrics` */
  readonly metricsUrl: string;
  readonly adminKey: string;
  readonly flavor: Flavor;
  /**
   * The store behind the Admin API.
   *
   * @internal for tests
   */
  readonly store: GatewayStore;
  /** Stops the listeners, destroys open sockets, closes the data plane's upstream pools. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** True for loopback listen addresses (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid ${name} ${String(port)}: expected an integer between 0 and 65535 (0 picks a free port)`);
  }
}

/** Tracks open sockets so close() can destroy keep-alive connections. */
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new Error(`cannot listen for the ${what} on ${host}:${port}: ${err.code ?? err.message}`));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
    server.closeAllConnections?.();
  });
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

async function createStore(flavor: Flavor, stateFile: string | undefined): Promise<GatewayStore> {
  if (stateFile === undefined) return new GatewayStore({ flavor });
  const initial = await loadStateFile(stateFile);
  await checkStateFileWritable(stateFile);
  try {
    return new GatewayStore({ flavor, initial, persist: (state) => saveStateFile(stateFile, state) });
  } catch (err) {
    throw new Error(`cannot use gateway state file ${stateFile}: ${(err as Error).message}`);
  }
}

/** Starts the gateway; rejects with a clear error on a bad option, a busy port or a bad state file. */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const host = options.host ?? "127.0.0.1";
  const adminPort = options.adminPort ?? 9180;
  const proxyPort = options.proxyPort ?? 9080;
  const metricsPort = options.metricsPort ?? (adminPort === 0 || proxyPort === 0 ? 0 : 9091);
  const flavor = options.flavor ?? "apisix";
  checkPort("admin port", adminPort);
  checkPort("proxy port", proxyPort);
  checkPort("metrics port", metricsPort);
  if (flavor !== "apisix" && flavor !== "api7-ee") {
    throw new Error(`invalid flavor ${JSON.stringify(flavor)}: expected "apisix" or "api7-ee"`);
  }
  if (options.adminKey === "") throw new Error("invalid admin key: must not be empty");
  if (!isLoopbackHost(host) && options.adminKey === undefined) {
    throw new Error(`refusing to listen on non-loopback host ${host} without an explicit admin key`);
  }
  const adminKey = options.adminKey ?? randomBytes(24).toString("base64url");
  const log = options.log;
  const store = await createStore(flavor, options.stateFile);

  const admin = createServer(createAdminHandler({ store, flavor, adminKey, log, faults: options.faults }));
  const metrics = new GatewayMetrics();
  const dataPlane = createDataPlane(store, { metrics });
  const proxy = createServer((req, res) => dataPlane.handle(req, res));
  const exporter = createServer(createMetricsHandler(metrics));
  const adminSockets = trackSockets(admin);
  const proxySockets = trackSockets(proxy);
  const exporterSockets = trackSockets(exporter);
  for (const server of [admin, proxy, exporter]) {
    server.on("clientError", (_err, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
  }

  const shutdown = async () => {
    await Promise.all([
      closeServer(admin, adminSockets),
      closeServer(proxy, proxySockets),
      closeServer(exporter, exporterSockets),
    ]);
    await dataPlane.close();
  };
  try {
    const actualAdmin = await listen(admin, adminPort, host, "Admin API");
    const actualProxy = await listen(proxy, proxyPort, host, "proxy");
    const actualMetrics = await listen(exporter, metricsPort, host, "metrics");
    let closing: Promise<void> | undefined;
    return {
      adminUrl: `http://${urlHost(host)}:${actualAdmin}`,
      proxyUrl: `http://${urlHost(host)}:${actualProxy}`,
      metricsUrl: `http://${urlHost(host)}:${actualMetrics}${METRICS_PATH}`,
      adminKey,
      flavor,
      store,
      close: () => (closing ??= shutdown()),
    };
  } catch (err) {
    await shutdown();
    throw err;
  }
}
