/**
 * What a set of gateway objects means in release terms: per service the share of each color, the nodes of each color,
 * the preview header and the health gate; per route what it matches and its service. Built from Admin API bodies
 * (the stack's requests, or what the gateway stores), the way the model writes them.
 */
import type { Flavor } from "../model/gateway-request";
import { type Color, COLORS } from "../model/specs";
import { asRecord, colorShares, type ColorShares } from "../release/weights";
import { parseUpstreamId } from "../model/upstream-ids";
import { objectName } from "../drift/format-report";

/** One Admin API object: where it lives and its body. */
export interface ReviewObject {
  /** Admin API path (query allowed). */
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly flavor: Flavor;
  /** The health gate's path (stack requests with a health_check only). */
  readonly healthGate?: string;
}

export interface ServiceState {
  readonly id: string;
  /** Undefined when the body does not say (an API7 EE retired service names its one color nowhere). */
  readonly shares?: ColorShares;
  /** `host:port` of each color's nodes, for the colors the service references. */
  readonly nodes: Partial<Record<Color, string[]>>;
  /** Header of the preview rules (`X-Env`), if any. */
  readonly preview?: string;
  readonly healthGate?: string;
}

export interface RouteState {
  readonly id: string;
  readonly service?: string;
  readonly methods: string[];
  readonly paths: string[];
  readonly hosts: string[];
}

export interface ReleaseState {
  readonly services: Map<string, ServiceState>;
  readonly routes: Map<string, RouteState>;
}

/** The release state of `objects`. */
export function releaseState(objects: readonly ReviewObject[]): ReleaseState {
  const upstreams = new Map<string, Record<string, unknown>>();
  for (const o of objects) {
    const [kind, id] = kindAndId(o.path);
    if (kind === "upstream") upstreams.set(id, o.body);
  }
  const services = new Map<string, ServiceState>();
  const routes = new Map<string, RouteState>();
  for (const o of objects) {
    const [kind, id] = kindAndId(o.path);
    if (kind === "service") services.set(id, serviceState(id, o, upstreams));
    if (kind === "route") routes.set(id, routeState(id, o.body));
  }
  return { services, routes };
}

/** `["service", "shop"]` from `/apisix/admin/services/shop?gateway_group_id=default`. */
export function kindAndId(path: string): [string, string] {
  const name = objectName(path);
  const space = name.indexOf(" ");
  return [name.slice(0, space), name.slice(space + 1)];
}

function serviceState(id: string, o: ReviewObject, upstreams: Map<string, Record<string, unknown>>): ServiceState {
  let shares: ColorShares | undefined;
  try {
    shares = colorShares(o.body, { flavor: o.flavor, serviceId: id });
  } catch {
    shares = undefined;
  }
  const nodes: Partial<Record<Color, string[]>> = {};
  const note = (ref: Record<string, unknown>, fallback: Color | undefined) => {
    if (typeof ref.upstream_id === "string") {
      const color = parseUpstreamId(ref.upstream_id, id)?.color;
      const body = upstreams.get(ref.upstream_id);
      if (color !== undefined && body !== undefined) nodes[color] = nodeList(body);
    } else if (ref.upstream !== undefined && fallback !== undefined) {
      nodes[fallback] ??= nodeList(asRecord(ref.upstream) ?? {});
    }
  };
  const rules = asRecord(asRecord(o.body.plugins)?.["traffic-split"])?.rules;
  let preview: string | undefined;
  for (const rule of Array.isArray(rules) ? rules.map(asRecord) : []) {
    if (rule?.match !== undefined && preview === undefined) preview = previewHeader(rule.match);
    for (const entry of Array.isArray(rule?.weighted_upstreams) ? rule.weighted_upstreams.map(asRecord) : []) {
      if (entry !== undefined) note(entry, o.flavor === "api7-ee" ? "green" : undefined);
    }
  }
  // the service's own upstream: blue next to an API7 EE traffic-split, else the one color with traffic
  const own = shares === undefined ? undefined : COLORS.find((c) => shares![c] === 100);
  note(o.body, Array.isArray(rules) && o.flavor === "api7-ee" ? "blue" : own);
  return { id, shares, nodes, preview, healthGate: o.healthGate };
}

/** The `upstream_id`s a service body references: its own and its traffic-split entries'. */
export function referencedUpstreamIds(body: Record<string, unknown>): string[] {
  const rules = asRecord(asRecord(body.plugins)?.["traffic-split"])?.rules;
  const entries = (Array.isArray(rules) ? rules : []).flatMap((rule) => {
    const weighted = asRecord(rule)?.weighted_upstreams;
    return Array.isArray(weighted) ? weighted.map(asRecord) : [];
  });
  const ids = [body, ...entries].map((e) => e?.upstream_id).filter((id): id is string => typeof id === "string");
  return [...new Set(ids)];
}

function routeState(id: string, body: Record<string, unknown>): RouteState {
  const list = (many: unknown, one: unknown): string[] =>
    Array.isArray(many) ? many.map(String) : typeof one === "string" ? [one] : [];
  return {
    id,
    service: typeof body.service_id === "string" ? body.service_id : undefined,
    methods: list(body.methods, undefined),
    paths: list(body.uris ?? body.paths, body.uri),
    hosts: list(body.hosts, body.host),
  };
}

function nodeList(upstream: Record<string, unknown>): string[] {
  const nodes = upstream.nodes;
  if (Array.isArray(nodes)) return nodes.map((n) => `${String(asRecord(n)?.host)}:${String(asRecord(n)?.port)}`).sort();
  // APISIX also accepts {"host:port": weight}
  return Object.keys(asRecord(nodes) ?? {}).sort();
}

/** `X-Env` from `[{ vars: [["http_x_env", "==", "green"]] }]`. */
function previewHeader(match: unknown): string | undefined {
  const vars = Array.isArray(match) ? asRecord(match[0])?.vars : undefined;
  const first = Array.isArray(vars) && Array.isArray(vars[0]) ? vars[0][0] : undefined;
  if (typeof first !== "string" || !first.startsWith("http_")) return undefined;
  return first
    .slice("http_".length)
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("-");
}
