/**
 * The health gate of a service write, Terraform-free: decide which nodes the body about to be written gives traffic
 * (from the `health_check` block of the hook input and the body itself), send each of them `GET <path>` directly (not
 * through the gateway), and report which did not answer the expected status in time.
 *
 * The hook loads this module only for service objects that carry a `health_check` block, so hooks without one pay
 * nothing for it. A native Terraform provider can call `planHealthCheck` + `probeNodes` the same way.
 */
import { type Color, COLORS } from "../model/specs";
import { colorsWithTraffic } from "../model/traffic-colors";
import type { Flavor, HealthCheck, HealthTarget } from "../model/gateway-request";
import { BluegreenError } from "../bluegreen-error";
import { NodeHttpPool } from "./node-http";
import { describeError, withTimeout } from "./transport";

/** One node to probe, with the color it belongs to. */
export interface HealthProbe extends HealthTarget {
  readonly color: Color;
}

/** The probes of one service write. */
export interface HealthPlan {
  /** The colors the body gives traffic, in blue, green order. */
  readonly colors: readonly Color[];
  readonly probes: readonly HealthProbe[];
}

/** Thrown when the block and the body do not fit together (a body sends traffic to a color with no declared nodes). */
export class HealthPlanError extends BluegreenError {
  constructor(message: string) {
    super(message);
    this.name = "HealthPlanError";
  }
}

/**
 * The nodes to probe before writing `body`: every target of every color that `body` gives traffic
 * (`colorsWithTraffic`, with the colors `check.targets` declares).
 */
export function planHealthCheck(check: HealthCheck, body: Record<string, unknown>, flavor: Flavor, serviceId: string): HealthPlan {
  const declared = COLORS.filter((c) => check.targets[c] !== undefined);
  let colors: Color[];
  try {
    colors = colorsWithTraffic(body, flavor, serviceId, declared);
  } catch (error) {
    throw new HealthPlanError(`cannot tell which colors the service body gives traffic: ${describeError(error)}`);
  }
  const probes: HealthProbe[] = [];
  for (const color of colors) {
    const targets = check.targets[color];
    if (targets === undefined) {
      throw new HealthPlanError(`the service body gives traffic to ${color} but health_check.targets lists no ${color} nodes`);
    }
    for (const t of targets) probes.push({ color, ...t });
  }
  return { colors, probes };
}

/** What one probe found. */
export type ProbeResult =
  | { readonly probe: HealthProbe; readonly ok: true; readonly status: number; readonly ms: number }
  | {
      readonly probe: HealthProbe;
      readonly ok: false;
      /** The status answered, when there was an answer. */
      readonly status?: number;
      /** Why it failed, ready to follow `GET <path> -> `: `503 (expected 200)`, `no answer within 2000 ms`, ... */
      readonly reason: string;
      readonly ms: number;
    };

/** How to probe. */
export interface ProbeOptions {
  readonly path: string;
  readonly expectStatus: number;
  readonly timeoutMs: number;
}

/**
 * Sends `GET <path>` to every probe in parallel, one attempt each, bounded by `timeoutMs` (connect + headers + body).
 * `https` nodes are probed without certificate verification: the gate asks whether the node is up, and the
 * gateway's own TLS settings to the node are not ours to second-guess. Never throws; results keep the probes' order.
 */
export async function probeNodes(probes: readonly HealthProbe[], options: ProbeOptions): Promise<ProbeResult[]> {
  if (probes.length === 0) return [];
  const pool = new NodeHttpPool({ rejectUnauthorized: false });
  try {
    return await Promise.all(probes.map((p) => probeOne(pool, p, options)));
  } finally {
    pool.close();
  }
}

async function probeOne(pool: NodeHttpPool, probe: HealthProbe, options: ProbeOptions): Promise<ProbeResult> {
  const started = Date.now();
  const answer = await withTimeout(options.timeoutMs, async (signal) => {
    // the status is all we need: the body is drained (bounded) so the socket closes cleanly
    const res = await pool.request({
      origin: `${probe.scheme}://${nodeAddress(probe.host, probe.port)}`,
      path: options.path,
      method: "GET",
      headers: {
        accept: "*/*",
        "user-agent": "cdktf-apisix-bluegreen-health-check",
        ...(probe.host_header === undefined ? {} : { host: probe.host_header }),
      },
      signal,
      readBody: false,
    });
    return res.status;
  });
  const ms = Date.now() - started;
  if (!answer.ok) {
    const reason = answer.timedOut ? `no answer within ${options.timeoutMs} ms` : `no answer: ${describeError(answer.error)}`;
    return { probe, ok: false, reason, ms };
  }
  const status = answer.value;
  if (status === options.expectStatus) return { probe, ok: true, status, ms };
  return { probe, ok: false, status, reason: `${status} (expected ${options.expectStatus})`, ms };
}

/** `host:port`, with an IPv6 address in brackets. */
export function nodeAddress(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `green node 127.0.0.1:8082` */
export function describeProbe(probe: HealthProbe): string {
  return `${probe.color} node ${nodeAddress(probe.host, probe.port)}`;
}

/**
 * What the service on the gateway still points at after the gate refused a write of `body`, to end the sentence
 * "traffic stays as it is: ...": the upstream ids its stored body names (and the new ones of `body` that take no
 * traffic), that it does not exist yet, or, for a body with inline upstreams (API7 EE), that it keeps them.
 * `current` is the stored service, undefined when absent, or the error that prevented reading it.
 */
export function describeUnchangedService(
  serviceId: string,
  current: Record<string, unknown> | undefined | Error,
  body: Record<string, unknown>,
): string {
  if (current instanceof Error) {
    return `service ${serviceId} was not changed (what it points at could not be read: ${describeError(current)})`;
  }
  if (current === undefined) return `service ${serviceId} does not exist yet`;
  const before = upstreamIdsOf(current);
  if (before.length === 0) return `service ${serviceId} keeps the upstreams and weights it has`;
  const fresh = upstreamIdsOf(body).filter((id) => !before.includes(id));
  const unused =
    fresh.length === 0 ? "" : ` (new ${fresh.length === 1 ? "upstream" : "upstreams"} ${joinAnd(fresh)} ${fresh.length === 1 ? "takes" : "take"} no traffic)`;
  return `service ${serviceId} still points at ${before.length === 1 ? "upstream" : "upstreams"} ${joinAnd(before)}, as before${unused}`;
}

/** The stored upstream ids a service body names (`upstream_id` and every traffic-split entry's), in order, once. */
export function upstreamIdsOf(body: Record<string, unknown>): string[] {
  const ids: unknown[] = [body.upstream_id];
  const split = record(record(body.plugins)?.["traffic-split"]);
  for (const rule of Array.isArray(split?.rules) ? split.rules : []) {
    const entries = record(rule)?.weighted_upstreams;
    for (const entry of Array.isArray(entries) ? entries : []) ids.push(record(entry)?.upstream_id);
  }
  const out: string[] = [];
  for (const id of ids) {
    const s = typeof id === "number" ? String(id) : id;
    if (typeof s === "string" && s !== "" && !out.includes(s)) out.push(s);
  }
  return out;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `a`, `a and b`, `a, b and c` */
function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
