/**
 * Shared pieces of the fault-injection deploy tests: one blue-green service with N routes synthesized into a real
 * Terraform workspace, per-route landing counts over full round-robin cycles, and a snapshot of everything the
 * gateway holds (for "nothing changed" assertions).
 */
import type { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection, type BlueGreenHealthCheckProps } from "../../lib";
import type { TerraformWorkspace, RunResult } from "../helper/terraform";
import { adminGet, countLandings, type Landing } from "../helper/traffic";

export type Flavor = "apisix" | "api7-ee";

export const SERVICE_ID = "checkout";

/** Where a backend listens (a `Backend` or a `HealthBackend`). */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

export interface DeploySpec {
  readonly adminUrl: string;
  readonly flavor?: Flavor;
  readonly active: "blue" | "green";
  /** Percent to the idle color. With 10, one round-robin cycle is 10 requests (9:1). */
  readonly canaryPercent?: number;
  /** Route ids; route `<id>` serves `/<id>/*`. */
  readonly routes: readonly string[];
  /** The node of blue, then the node of green. */
  readonly backends: readonly NodeAddress[];
  readonly healthCheck?: BlueGreenHealthCheckProps;
  readonly retryBudgetMs?: number;
  readonly requestTimeoutMs?: number;
  readonly adopt?: boolean;
}

/** Synthesizes the stack of `spec` into `ws`. */
export function synthDeploy(ws: TerraformWorkspace, spec: DeploySpec): void {
  const flavor = spec.flavor ?? "apisix";
  const [blue, green] = spec.backends;
  ws.synth((stack: TerraformStack) => {
    const connection = new GatewayConnection(stack, "gateway", {
      adminUrl: spec.adminUrl,
      flavor,
      gatewayGroupId: flavor === "api7-ee" ? "default" : undefined,
      retryBudgetMs: spec.retryBudgetMs ?? 2_000,
      requestTimeoutMs: spec.requestTimeoutMs,
    });
    const service = new BlueGreenService(stack, "service", {
      gateway: connection,
      serviceId: SERVICE_ID,
      blue: { nodes: [{ host: blue.host, port: blue.port }], passHost: "node" },
      green: { nodes: [{ host: green.host, port: green.port }], passHost: "node" },
      active: spec.active,
      canaryPercent: spec.canaryPercent,
      healthCheck: spec.healthCheck,
    });
    for (const id of spec.routes) {
      new BlueGreenRoute(stack, id, { service, routeId: id, paths: [`/${id}/*`], adopt: spec.adopt });
    }
  });
}

/** `n` sequential requests to each route (`/<id>/x`), counted by the backend that answered. */
export async function landingsPerRoute(proxyUrl: string, routes: readonly string[], n: number): Promise<Record<string, Landing>> {
  const out: Record<string, Landing> = {};
  for (const id of routes) out[id] = await countLandings(`${proxyUrl}/${id}/x`, n);
  return out;
}

/** The same expected landing for every route. */
export function everyRoute(routes: readonly string[], landing: Landing): Record<string, Landing> {
  return Object.fromEntries(routes.map((r) => [r, landing]));
}

/** Everything the gateway holds, as its Admin API lists it (timestamps and indexes included). */
export async function snapshot(adminUrl: string, key: string, flavor: Flavor = "apisix"): Promise<Record<string, unknown>> {
  const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";
  const kinds = flavor === "api7-ee" ? ["routes", "services"] : ["routes", "services", "upstreams"];
  const out: Record<string, unknown> = {};
  for (const kind of kinds) {
    const res = await adminGet(adminUrl, `/apisix/admin/${kind}${q}`, key);
    if (res.status !== 200) throw new Error(`GET ${kind} answered ${res.status}: ${JSON.stringify(res.body)}`);
    out[kind] = res.body;
  }
  return out;
}

/**
 * `kind/id` of every object the gateway holds, sorted: routes, services and upstreams (API7 EE has no standalone
 * upstreams; there each service's own upstreams are listed as `services/<id>/upstreams/<uid>`).
 */
export async function gatewayContents(adminUrl: string, key: string, flavor: Flavor = "apisix"): Promise<string[]> {
  const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";
  const ids = async (path: string): Promise<string[]> => {
    const res = await adminGet(adminUrl, `${path}${q}`, key);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return (res.body.list as Array<{ id?: string; value?: { id: string } }>).map((i) => (flavor === "api7-ee" ? i.id! : i.value!.id));
  };
  const out: string[] = [];
  for (const kind of flavor === "api7-ee" ? ["routes", "services"] : ["routes", "services", "upstreams"]) {
    for (const id of await ids(`/apisix/admin/${kind}`)) {
      out.push(`${kind}/${id}`);
      if (flavor !== "api7-ee" || kind !== "services") continue;
      // the service's default upstream is listed with the service's id
      for (const u of await ids(`/apisix/admin/services/${id}/upstreams`)) if (u !== id) out.push(`services/${id}/upstreams/${u}`);
    }
  }
  return out.sort();
}

/** The weights of the service's traffic-split rule, by upstream (id on APISIX, node on EE's inline upstreams). */
export async function serviceWeights(adminUrl: string, key: string, flavor: Flavor = "apisix"): Promise<unknown> {
  const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";
  const res = await adminGet(adminUrl, `/apisix/admin/services/${SERVICE_ID}${q}`, key);
  if (res.status !== 200) return `status ${res.status}`;
  const rules = res.body.value.plugins["traffic-split"].rules as Array<{ weighted_upstreams?: Array<Record<string, any>> }>;
  const last = rules[rules.length - 1];
  return (last.weighted_upstreams ?? []).map((w) => [w.upstream_id ?? Object.keys(w.upstream?.nodes ?? {})[0], w.weight]);
}

/** Fails with the whole Terraform output when apply did not succeed. */
export function expectOk(result: RunResult): RunResult {
  if (result.code !== 0) throw new Error(`terraform apply failed (exit ${result.code}):\n${result.output}`);
  return result;
}

/** Fails with the whole Terraform output when apply unexpectedly succeeded. */
export function expectFailed(result: RunResult): RunResult {
  if (result.code === 0) throw new Error(`terraform apply unexpectedly succeeded:\n${result.output}`);
  return result;
}

/** Terraform's output with its box-drawing error decoration and line wrapping undone, for message assertions. */
export function flat(output: string): string {
  return output
    .replace(/│/g, " ")
    .replace(/\s+/g, " ");
}

/** Runs `fn` and returns its result with the wall time it took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}
