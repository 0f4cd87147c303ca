/**
 * Shared pieces of the release runner tests: an embedded gateway (with metrics and the test-only fault switch, whose
 * `seen` log is the gateway's write log), blue and green backends on 127.0.0.2 and 127.0.0.3 (so the `node` label
 * tells them apart), the blue-green service `shop` as the model builds it (with the `prometheus` plugin the
 * construct enables when `analysis` is set) and a route `/shop/*`, and a load generator that records where each
 * answer came from and in which phase of the test.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { AdminClient, type StoredObject } from "../../lib/client/admin-client";
import { applyObject } from "../../lib/client/object-sync";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { buildRouteRequest, buildServiceRequests, type ServiceSpec } from "../../lib/model/blue-green";
import { gatewayTarget } from "../../lib/model/hook-input";
import { buildReleaseInput, type ReleaseInput, type ReleaseProps } from "../../lib/release/release-input";
import type { RunReleaseOptions } from "../../lib/release/run-release";
import { startBackend, type Backend } from "../helper/backends";

export type Flavor = "apisix" | "api7-ee";
export const SERVICE_ID = "shop";
export const CONSTRUCT_PATH = "shop/service";
/** The compiled guardian (`npm run build` first): ts-jest runs the runner from source, where no guardian.js is. */
export const GUARDIAN_SCRIPT = join(__dirname, "../../dist/lib/release/guardian.js");

export interface ReleaseFixture {
  readonly flavor: Flavor;
  readonly gw: RunningGateway;
  readonly faults: AdminFaults;
  readonly blue: Backend;
  readonly green: Backend;
  readonly client: AdminClient;
  /** Admin API path of the service. */
  readonly servicePath: string;
  /** The service spec with `over` applied. */
  spec(over?: Partial<ServiceSpec>): ServiceSpec;
  /**
   * What Terraform would have written before the service's hook runs: the spec's upstream objects (APISIX). Returns
   * the declared service body (with the `prometheus` plugin).
   */
  prepare(over?: Partial<ServiceSpec>): Promise<Record<string, unknown>>;
  /** A first deploy: upstreams, service and route, as plain verified writes. */
  deploy(over?: Partial<ServiceSpec>): Promise<void>;
  /** The release block of the hook input. */
  release(props: ReleaseProps): ReleaseInput;
  /** Options of `runRelease` writing `body`, printing into `lines`. */
  options(body: Record<string, unknown>, release: ReleaseInput, lines: string[], extra?: Partial<RunReleaseOptions>): RunReleaseOptions;
  /** The service as the gateway holds it. */
  service(): Promise<StoredObject | undefined>;
  /** Resets the backends and the write log. */
  reset(): void;
  close(): Promise<void>;
}

export const ADMIN_KEY = "release-test-admin-key";

export async function startReleaseFixture(flavor: Flavor): Promise<ReleaseFixture> {
  if (!existsSync(GUARDIAN_SCRIPT)) throw new Error(`${GUARDIAN_SCRIPT} is missing: run npm run build first`);
  const faults = new AdminFaults();
  const [blue, green] = await Promise.all([startBackend("blue", { host: "127.0.0.2" }), startBackend("green", { host: "127.0.0.3" })]);
  const gw = await startGateway({ adminPort: 0, proxyPort: 0, metricsPort: 0, adminKey: ADMIN_KEY, flavor, faults });
  const gatewayGroupId = flavor === "api7-ee" ? "default" : undefined;
  const client = new AdminClient({ adminUrl: gw.adminUrl, flavor, gatewayGroupId, adminKey: ADMIN_KEY, retryBudgetMs: 2_000 });
  const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
    placement: { flavor, gatewayGroupId },
    owner: "release-test",
    serviceId: SERVICE_ID,
    blue: { nodes: [{ host: blue.host, port: blue.port }], passHost: "node" },
    green: { nodes: [{ host: green.host, port: green.port }], passHost: "node" },
    preview: { header: "X-Env" },
    active: "blue",
    ...over,
  });
  const prepare = async (over: Partial<ServiceSpec> = {}) => {
    const requests = buildServiceRequests(spec(over));
    for (const u of Object.values(requests.upstreams)) await applyObject(client, { path: u!.path, body: u!.body });
    const body = structuredClone(requests.service.body);
    body.plugins = { ...(body.plugins as Record<string, unknown> | undefined), prometheus: {} };
    return body;
  };
  const servicePath = buildServiceRequests(spec()).service.path;
  return {
    flavor,
    gw,
    faults,
    blue,
    green,
    client,
    servicePath,
    spec,
    prepare,
    async deploy(over = {}) {
      await applyObject(client, { path: servicePath, body: await prepare(over) });
      const route = buildRouteRequest({ placement: spec().placement, owner: "release-test", serviceId: SERVICE_ID, routeId: "shop", paths: ["/shop/*"] });
      await applyObject(client, { path: route.path, body: route.body });
    },
    release: (props) => {
      const s = spec();
      return buildReleaseInput(props, { proxyUrl: gw.proxyUrl, preview: s.preview, nodes: { blue: s.blue.nodes, green: s.green.nodes } });
    },
    options: (body, release, lines, extra = {}) => ({
      client,
      gateway: gatewayTarget({ adminUrl: gw.adminUrl, flavor, gatewayGroupId, retryBudgetMs: 2_000 }),
      adminKey: ADMIN_KEY,
      cwd: process.cwd(),
      path: servicePath,
      body,
      constructPath: CONSTRUCT_PATH,
      release,
      io: { env: {}, stdout: (l) => lines.push(l), stderr: (l) => lines.push(`stderr: ${l}`) },
      handleSignals: false,
      guardianScript: GUARDIAN_SCRIPT,
      ...extra,
    }),
    service: () => client.get(servicePath),
    reset() {
      for (const b of [blue, green]) {
        b.status = 200;
        b.delayMs = 0;
      }
      faults.clear();
      faults.seen.length = 0;
    },
    async close() {
      await client.close();
      await gw.close();
      await Promise.all([blue.close(), green.close()]);
    },
  };
}

/**
 * Samples the service at `servicePath` through `client` every 25 ms until stopped; resolves to the distinct main
 * weights in the order the gateway held them.
 */
export function watchWeights(client: Pick<AdminClient, "get">, servicePath: string): { stop(): Promise<Array<Record<string, number>>> } {
  const seen: Array<Record<string, number>> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const w = mainWeights(await client.get(servicePath));
      if (JSON.stringify(seen.at(-1)) !== JSON.stringify(w)) seen.push(w);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** The weights of the main traffic-split rule, by color, as the gateway holds them. */
export function mainWeights(body: StoredObject | undefined): Record<string, number> {
  const rules = ((body?.plugins as any)?.["traffic-split"]?.rules ?? []) as Array<Record<string, any>>;
  const main = rules.find((r) => r.match === undefined);
  const out: Record<string, number> = {};
  for (const e of main?.weighted_upstreams ?? []) {
    const color = typeof e.upstream_id === "string" ? /-(blue|green)-/.exec(e.upstream_id)![1] : e.upstream !== undefined ? "green" : "blue";
    out[color] = e.weight;
  }
  return out;
}

/** One answer the load saw: which backend (or status / error), in which phase of the test. */
export interface Seen {
  readonly phase: string;
  readonly answer: string;
}

/** Sequential GETs to `url` from `workers` loops until stopped, each answer recorded with the phase at its arrival. */
export function startPhasedLoad(url: string, workers = 2): { phase: string; stop(): Promise<Seen[]> } {
  const seen: Seen[] = [];
  const state = { phase: "before", running: true };
  const loop = async () => {
    while (state.running) {
      let answer: string;
      try {
        const res = await request(url);
        await res.body.text();
        answer = res.statusCode === 200 ? String(res.headers["x-backend"]) : `status ${res.statusCode}`;
      } catch (error) {
        answer = `error ${(error as { code?: string }).code ?? String(error)}`;
      }
      seen.push({ phase: state.phase, answer });
    }
  };
  const loops = Array.from({ length: workers }, loop);
  return {
    get phase() {
      return state.phase;
    },
    set phase(value: string) {
      state.phase = value;
    },
    async stop() {
      state.running = false;
      await Promise.all(loops);
      return seen;
    },
  };
}

/** Counts `seen` by phase and answer. */
export function tally(seen: readonly Seen[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of seen) {
    const phase = (out[s.phase] ??= {});
    phase[s.answer] = (phase[s.answer] ?? 0) + 1;
  }
  return out;
}

/** Waits until process `pid` is gone (the guardian exits by itself), at most `ms`. */
export async function waitForExit(pid: number | undefined, ms = 15_000): Promise<void> {
  if (pid === undefined) return;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`process ${pid} still runs after ${ms} ms`);
}

/** A sleep that rejects with the signal's reason when it aborts (what the runner's default does). */
export function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
