/**
 * Turns a matched route (+ service) and the traffic-split decision into one upstream, with APISIX's precedence:
 * traffic-split inline > traffic-split upstream_id > route upstream_id > route upstream > service upstream_id >
 * service upstream. Route upstream replaces the service's upstream and clears its upstream_id. Compiled upstreams
 * (normalized nodes + node balancer) are cached per config version by object identity.
 */
import { createRoundRobin, type RoundRobin } from "./balancer";
import { chashKey, createHashRing } from "./chash";
import type { VarLookup } from "../expr/vars";
import type { GatewayConfig } from "./config-snapshot";
import { asArray, asId, asNumber, asObject, asString, type Obj } from "./data-plane-values";
import type { MatchedRoute } from "./router";
import type { SplitDecision } from "./traffic-split";

/** One node of a compiled upstream (weight defaulted). */
export interface CompiledNode {
  readonly host: string;
  readonly port: number;
  readonly weight: number;
}

/** Timeouts in milliseconds. */
export interface Timeouts {
  readonly connect: number;
  readonly send: number;
  readonly read: number;
}

/** An upstream ready for proxying. */
export interface CompiledUpstream {
  /** The upstream id, or "inline". */
  readonly label: string;
  readonly scheme: "http" | "https";
  readonly passHost: "pass" | "node" | "rewrite";
  readonly upstreamHost: string | undefined;
  readonly tlsVerify: boolean;
  /** Timeouts set on the upstream itself (seconds → ms), if any. */
  readonly timeout: Timeouts | undefined;
  readonly nodes: readonly CompiledNode[];
  /** How many other nodes to try after a connection failure: `retries`, else nodes - 1. */
  readonly retries: number;
  /** Picks a node (chash upstreams hash on the request's variables); undefined when there are no nodes. */
  pick(vars: VarLookup): CompiledNode | undefined;
}

/** The outcome of resolution: an upstream and the timeouts to use, or an error answer. */
export type Resolution =
  | { readonly ok: true; readonly upstream: CompiledUpstream; readonly timeout: Timeouts | undefined }
  | { readonly ok: false; readonly status: number; readonly reason: string };

/** Per-config-version cache of compiled upstreams. */
export class UpstreamCache {
  private readonly compiled = new WeakMap<object, CompiledUpstream>();

  constructor(private readonly config: GatewayConfig) {}

  /** Looks up a stored upstream: EE service-scoped first (`service/id`), then by plain id. */
  stored(id: string, serviceId: string | undefined): Obj | undefined {
    if (this.config.flavor === "api7-ee" && serviceId !== undefined) {
      const scoped = this.config.upstreams.get(`${serviceId}/${id}`);
      if (scoped) return scoped;
    }
    return this.config.upstreams.get(id);
  }

  /** Compiles (once) an upstream object. */
  get(upstream: Obj, label: string): CompiledUpstream {
    let c = this.compiled.get(upstream);
    if (!c) {
      c = compileUpstream(upstream, label);
      this.compiled.set(upstream, c);
    }
    return c;
  }
}

/** Applies the precedence rules. */
export function resolveUpstream(matched: MatchedRoute, decision: SplitDecision, cache: UpstreamCache): Resolution {
  const { route, service, serviceId } = matched;
  const routeTimeout = parseTimeout(route.timeout) ?? parseTimeout(service?.timeout);
  if (decision.kind === "inline") {
    const upstream = cache.get(decision.upstream, "inline");
    // An inline traffic-split upstream without `timeout` gets nginx's defaults, not the route's.
    return { ok: true, upstream, timeout: upstream.timeout };
  }
  if (decision.kind === "upstream-id") {
    const stored = cache.stored(decision.id, serviceId);
    if (!stored) return { ok: false, status: 500, reason: `failed to fetch upstream info by upstream id: ${decision.id}` };
    const upstream = cache.get(stored, decision.id);
    return { ok: true, upstream, timeout: upstream.timeout ?? routeTimeout };
  }
  const routeUpstream = asObject(route.upstream);
  const upstreamId = asId(route.upstream_id) ?? (routeUpstream ? undefined : asId(service?.upstream_id));
  if (upstreamId !== undefined) {
    const stored = cache.stored(upstreamId, serviceId);
    if (!stored) return { ok: false, status: 502, reason: `failed to find upstream by id: ${upstreamId}` };
    const upstream = cache.get(stored, upstreamId);
    return { ok: true, upstream, timeout: upstream.timeout ?? routeTimeout };
  }
  const inline = routeUpstream ?? asObject(service?.upstream);
  if (!inline) return { ok: false, status: 503, reason: "missing upstream configuration in Route or Service" };
  const label = asId(inline.id) ?? "inline";
  const upstream = cache.get(inline, label);
  return { ok: true, upstream, timeout: upstream.timeout ?? routeTimeout };
}

/** `{connect, send, read}` in seconds → ms; undefined unless an object with at least one positive number. */
export function parseTimeout(value: unknown): Timeouts | undefined {
  const t = asObject(value);
  if (!t) return undefined;
  const ms = (v: unknown) => (typeof v === "number" && v > 0 ? Math.round(v * 1000) : undefined);
  const connect = ms(t.connect);
  const send = ms(t.send);
  const read = ms(t.read);
  if (connect === undefined && send === undefined && read === undefined) return undefined;
  return { connect: connect ?? 60_000, send: send ?? 60_000, read: read ?? 60_000 };
}

function compileUpstream(upstream: Obj, label: string): CompiledUpstream {
  const scheme = asString(upstream.scheme) === "https" ? "https" : "http";
  const passHostRaw = asString(upstream.pass_host);
  const passHost = passHostRaw === "node" || passHostRaw === "rewrite" ? passHostRaw : "pass";
  const nodes = normalizeNodes(upstream.nodes, scheme === "https" ? 443 : 80);
  const pick =
    asString(upstream.type) === "chash" && nodes.length > 1
      ? chashPicker(nodes, asString(upstream.hash_on), asString(upstream.key))
      : nodePicker(nodes);
  return {
    label,
    scheme,
    passHost,
    upstreamHost: asString(upstream.upstream_host),
    tlsVerify: asObject(upstream.tls)?.verify === true,
    timeout: parseTimeout(upstream.timeout),
    nodes,
    retries: retriesOf(upstream.retries, nodes.length),
    pick,
  };
}

/** Array form `[{host, port, weight, priority}]` and hash form `{"host:port": weight}`. */
export function normalizeNodes(value: unknown, defaultPort: number): CompiledNode[] {
  const out: (CompiledNode & { priority: number })[] = [];
  const arr = asArray(value);
  if (arr) {
    for (const raw of arr) {
      const n = asObject(raw);
      const host = asString(n?.host);
      if (!n || !host) continue;
      out.push({
        host: unbracket(host),
        port: asNumber(n.port, defaultPort),
        weight: asNumber(n.weight, 1),
        priority: asNumber(n.priority, 0),
      });
    }
  } else {
    const hash = asObject(value);
    for (const [addr, weight] of Object.entries(hash ?? {})) {
      const { host, port } = splitHostPort(addr, defaultPort);
      out.push({ host, port, weight: asNumber(weight, 1), priority: 0 });
    }
  }
  // Without health checks only the highest-priority group is ever used (lower ones serve retries/failover).
  if (out.length === 0) return out;
  const top = Math.max(...out.map((n) => n.priority));
  return out.filter((n) => n.priority === top).map(({ host, port, weight }) => ({ host, port, weight }));
}

function retriesOf(value: unknown, nodeCount: number): number {
  const max = Math.max(0, nodeCount - 1);
  return typeof value === "number" && value >= 0 ? Math.min(Math.floor(value), max) : max;
}

function chashPicker(nodes: readonly CompiledNode[], hashOn: string | undefined, key: string | undefined) {
  const ring = createHashRing(nodes.map((n) => ({ key: n, id: `${n.host}:${n.port}`, weight: n.weight })));
  return (vars: VarLookup): CompiledNode | undefined => ring.find(chashKey(hashOn, key, vars));
}

/** roundrobin (and, without health data, least_conn/ewma): resty.roundrobin over the nodes. */
function nodePicker(nodes: readonly CompiledNode[]): (vars: VarLookup) => CompiledNode | undefined {
  if (nodes.length === 0) return () => undefined;
  if (nodes.length === 1) {
    const only = nodes[0];
    return () => only; // a single node is used even at weight 0
  }
  const rr: RoundRobin<CompiledNode> = createRoundRobin(nodes.map((n) => ({ key: n, weight: n.weight })));
  return () => rr.next();
}

function splitHostPort(addr: string, defaultPort: number): { host: string; port: number } {
  if (addr.startsWith("[")) {
    const end = addr.indexOf("]");
    const port = addr.slice(end + 2);
    return { host: addr.slice(1, end), port: port ? Number(port) : defaultPort };
  }
  const colon = addr.lastIndexOf(":");
  if (colon < 0) return { host: addr, port: defaultPort };
  return { host: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) || defaultPort };
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
