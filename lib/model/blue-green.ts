/**
 * The blue-green model: validated props in, the exact Admin API requests out.
 *
 * Pure functions with no cdktf or Terraform imports, so a native Terraform provider can reuse them. The traffic-split
 * lives on the service, so a flip (or a canary step) is one write and every route of the service moves together;
 * flipping `active` changes only `weight` values.
 */
import { objectPath, type AdminResource } from "./admin-paths";
import { requestSha256 } from "./hook-input";
import {
  DEFAULT_HEALTH_EXPECT_STATUS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNER_LABEL,
  type Flavor,
  type HealthCheck,
  type HealthTarget,
} from "./gateway-request";

/** The two colors. */
export type Color = "blue" | "green";
export const COLORS: readonly Color[] = ["blue", "green"];

/** Where the objects go: the flavor decides the payload shapes, the group is part of every API7 EE path. */
export interface GatewayScope {
  readonly flavor: Flavor;
  /** API7 EE gateway group id; required on api7-ee, absent on apisix. */
  readonly gatewayGroupId?: string;
}

/** One Admin API write. `path` includes the query string (`?gateway_group_id=` on API7 EE). */
export interface AdminRequest {
  readonly method: "PUT";
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** The Admin API collections this library writes. */
export type ObjectKind = AdminResource;

/** One backend node of a color. */
export interface NodeSpec {
  /** Hostname or IP address. */
  readonly host: string;
  /** TCP port, 1..65535. */
  readonly port: number;
  /**
   * Load-balancing weight among the nodes of the same color.
   *
   * @default 1
   */
  readonly weight?: number;
}

/** One color (blue or green) of a service: its nodes and how to reach them. */
export interface UpstreamSpec {
  /** The backend nodes; at least one. */
  readonly nodes: readonly NodeSpec[];
  /**
   * Protocol used to talk to the nodes.
   *
   * @default - the gateway's default (http)
   */
  readonly scheme?: "http" | "https" | "grpc" | "grpcs";
  /**
   * Host header sent to the nodes: the client's (`pass`), the node's (`node`) or `upstreamHost` (`rewrite`).
   *
   * @default - the gateway's default (pass)
   */
  readonly passHost?: "pass" | "node" | "rewrite";
  /**
   * Host header sent when `passHost` is `rewrite`.
   *
   * @default - none
   */
  readonly upstreamHost?: string;
  /**
   * Connect timeout in seconds.
   *
   * @default - 60 when another timeout is set, else the gateway's default
   */
  readonly connectTimeoutSec?: number;
  /**
   * Send timeout in seconds.
   *
   * @default - 60 when another timeout is set, else the gateway's default
   */
  readonly sendTimeoutSec?: number;
  /**
   * Read timeout in seconds.
   *
   * @default - 60 when another timeout is set, else the gateway's default
   */
  readonly readTimeoutSec?: number;
  /**
   * Number of retries on another node (APISIX standalone upstreams; ignored for inline traffic-split upstreams).
   *
   * @default - the gateway's default (number of nodes - 1)
   */
  readonly retries?: number;
}

/** Header-based preview: lets testers reach either color whatever is active. */
export interface PreviewSpec {
  /** Request header that selects a color, e.g. `X-Env`. */
  readonly header: string;
  /**
   * Header value that reaches green.
   *
   * @default "green"
   */
  readonly greenValue?: string;
  /**
   * Header value that reaches blue.
   *
   * @default "blue"
   */
  readonly blueValue?: string;
}

/**
 * The health gate of a service write: before the service is written, every node of every color that the new service
 * body gives traffic must answer `GET path` with `expectStatus` within `timeoutMs`, or nothing is written.
 */
export interface HealthCheckSpec {
  /** Path requested on each node, e.g. `/healthz`. */
  readonly path: string;
  /**
   * The status every node must answer.
   *
   * @default 200
   */
  readonly expectStatus?: number;
  /**
   * Time each node has to answer, in milliseconds (1..60000).
   *
   * @default 2000
   */
  readonly timeoutMs?: number;
}

/** Everything that decides a blue-green service's requests. */
export interface ServiceSpec {
  readonly scope: GatewayScope;
  /** Value of the `bluegreen-owner` label. */
  readonly owner: string;
  readonly serviceId: string;
  /** @default serviceId */
  readonly name?: string;
  readonly blue: UpstreamSpec;
  readonly green: UpstreamSpec;
  /** Hosts every route of the service matches (the service's `hosts`). @default - any host */
  readonly hosts?: readonly string[];
  /** @default "blue" */
  readonly active?: Color;
  /** Percentage of traffic to the idle color. @default 0 */
  readonly canaryPercent?: number;
  readonly preview?: PreviewSpec;
  /** Drop the idle color: no traffic-split, and on APISIX no idle upstream object. @default false */
  readonly retireIdle?: boolean;
  /** Probe the nodes that will take traffic before the service write. @default - no health gate */
  readonly healthCheck?: HealthCheckSpec;
}

/** The requests of one service, in write order: upstreams (APISIX only), then the service. */
export interface ServiceRequests {
  /** Standalone upstream objects (APISIX only; a retired color has none). */
  readonly upstreams: Partial<Record<Color, AdminRequest>>;
  readonly service: AdminRequest;
  /** The `health_check` block of the service's hook input; only when `healthCheck` is set. */
  readonly healthCheck?: HealthCheck;
}

/** What a route matches: the fields a user writes for one route. */
export interface RouteMatch {
  /** Admin API id of the route. */
  readonly routeId: string;
  /**
   * Display name of the route.
   *
   * @default - the route id
   */
  readonly name?: string;
  /**
   * HTTP methods the route matches.
   *
   * @default - any method
   */
  readonly methods?: readonly string[];
  /** Request paths the route matches, each starting with `/` (a trailing `*` matches a prefix). */
  readonly paths: readonly string[];
  /**
   * Hosts the route matches (APISIX only; on API7 EE hosts live on the service).
   *
   * @default - any host
   */
  readonly hosts?: readonly string[];
  /**
   * Priority among routes matching the same request; higher wins.
   *
   * @default - the gateway's default (0)
   */
  readonly priority?: number;
}

/** Everything that decides a route's request. */
export interface RouteSpec extends RouteMatch {
  readonly scope: GatewayScope;
  readonly owner: string;
  readonly serviceId: string;
}

/** APISIX's default proxy timeout, used for the timeout fields the user left out. */
export const DEFAULT_TIMEOUT_SEC = 60;

/** The labels every object we write carries. */
export function managedLabels(owner: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [OWNER_LABEL]: owner };
}

/** Admin API path of one object in `scope`; API7 EE paths must carry the gateway group. */
export function scopedPath(kind: ObjectKind, id: string, scope: GatewayScope): string {
  if (scope.flavor === "api7-ee" && (scope.gatewayGroupId === undefined || scope.gatewayGroupId === "")) {
    throw new Error(`api7-ee paths need a gateway group id, got ${JSON.stringify(scope.gatewayGroupId)}`);
  }
  return objectPath(scope.flavor, kind, id, scope.gatewayGroupId);
}

/** Hex digits of the content hash that ends an upstream id. */
export const UPSTREAM_HASH_LENGTH = 8;
/** The longest suffix `upstreamId` appends to a service id (`-green-` and the hash). */
export const UPSTREAM_ID_SUFFIX_MAX_LENGTH = Math.max(
  ...COLORS.map((color) => upstreamId("", color, "0".repeat(UPSTREAM_HASH_LENGTH)).length),
);

/** The first `UPSTREAM_HASH_LENGTH` hex digits of the sha256 of the canonical JSON of an upstream's fields. */
export function upstreamContentHash(fields: Record<string, unknown>): string {
  return requestSha256(fields).slice(0, UPSTREAM_HASH_LENGTH);
}

/**
 * Appends the content hash of an upstream's fields (its body without `name` and `labels`) to `text`, an upstream id or
 * path without it. The default, `appendContentHash`, hashes at once; a caller whose fields hold values known only
 * when Terraform runs passes one that has Terraform compute the hash and the concatenation.
 */
export type UpstreamHashAppender = (text: string, fields: Record<string, unknown>) => string;

/** `text` followed by `upstreamContentHash(fields)`. */
export const appendContentHash: UpstreamHashAppender = (text, fields) => text + upstreamContentHash(fields);

/**
 * Id of a color's standalone upstream on APISIX: `<serviceId>-<color>-<contentHash>`.
 *
 * The id changes with the upstream's content, so new nodes are written to a new object that takes no traffic until
 * the (health-gated) service write points at it; the sweep then deletes the object of the old nodes.
 */
export function upstreamId(serviceId: string, color: Color, contentHash: string): string {
  return `${serviceId}-${color}-${contentHash}`;
}

const UPSTREAM_ID_TAIL = new RegExp(`^(blue|green)-([0-9a-f]{${UPSTREAM_HASH_LENGTH}})$`);

/** The color and content hash of an id `upstreamId` built for `serviceId`, or undefined for any other id. */
export function parseUpstreamId(id: unknown, serviceId: string): { color: Color; contentHash: string } | undefined {
  if (typeof id !== "string" || !id.startsWith(`${serviceId}-`)) return undefined;
  const m = UPSTREAM_ID_TAIL.exec(id.slice(serviceId.length + 1));
  return m === null ? undefined : { color: m[1] as Color, contentHash: m[2]! };
}

/** The other color. */
export function otherColor(color: Color): Color {
  return color === "blue" ? "green" : "blue";
}

/** Traffic weights: active gets `100 - canaryPercent`, idle gets `canaryPercent`. */
export function colorWeights(active: Color, canaryPercent = 0): Record<Color, number> {
  const idle = canaryPercent;
  const live = 100 - canaryPercent;
  return active === "blue" ? { blue: live, green: idle } : { blue: idle, green: live };
}

/** The nginx variable of a request header: `X-Env` → `http_x_env`. */
export function headerVar(header: string): string {
  return `http_${header.toLowerCase().replace(/-/g, "_")}`;
}

/** The fields of an upstream shared by the standalone (APISIX) and inline (API7 EE) forms. */
function upstreamFields(spec: UpstreamSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { type: "roundrobin" };
  if (spec.scheme !== undefined) out.scheme = spec.scheme;
  if (spec.passHost !== undefined) out.pass_host = spec.passHost;
  if (spec.upstreamHost !== undefined) out.upstream_host = spec.upstreamHost;
  out.nodes = spec.nodes.map((n) => ({ host: n.host, port: n.port, weight: n.weight ?? 1 }));
  if (spec.connectTimeoutSec !== undefined || spec.sendTimeoutSec !== undefined || spec.readTimeoutSec !== undefined) {
    out.timeout = {
      connect: spec.connectTimeoutSec ?? DEFAULT_TIMEOUT_SEC,
      send: spec.sendTimeoutSec ?? DEFAULT_TIMEOUT_SEC,
      read: spec.readTimeoutSec ?? DEFAULT_TIMEOUT_SEC,
    };
  }
  if (spec.retries !== undefined) out.retries = spec.retries;
  return out;
}

/** An inline upstream (API7 EE service upstream and traffic-split entries). */
export function inlineUpstream(spec: UpstreamSpec): Record<string, unknown> {
  return upstreamFields(spec);
}

/**
 * The standalone upstream objects of the colors (APISIX), by color, each with its content-derived id. The `name`
 * stays `<serviceId>-<color>`.
 */
function buildUpstreamRequests(
  spec: ServiceSpec,
  colors: readonly Color[],
  appendHash: UpstreamHashAppender,
): Partial<Record<Color, AdminRequest & { readonly id: string }>> {
  const out: Partial<Record<Color, AdminRequest & { readonly id: string }>> = {};
  for (const color of colors) {
    const fields = upstreamFields(spec[color]);
    const unhashed = upstreamId(spec.serviceId, color, "");
    const id = appendHash(unhashed, fields);
    // The hash is hex, so appending it to the percent-encoded rest gives the path of the whole id, and a hash that
    // Terraform computes stays an expression. Upstream objects exist only on APISIX: no query string to skip.
    const path = appendHash(scopedPath("upstreams", unhashed, spec.scope), fields);
    const body = { name: `${spec.serviceId}-${color}`, ...fields, labels: managedLabels(spec.owner) };
    out[color] = { id, method: "PUT", path, body };
  }
  return out;
}

/** A traffic-split entry sending `weight` to `color`; `ids` are the APISIX upstream ids. */
function weighted(spec: ServiceSpec, ids: Partial<Record<Color, string>>, color: Color, weight: number): Record<string, unknown> {
  if (spec.scope.flavor === "apisix") return { upstream_id: ids[color], weight };
  // api7-ee: blue is the service's default upstream (weight-only entry), green is inline.
  return color === "green" ? { upstream: inlineUpstream(spec.green), weight } : { weight };
}

/**
 * The traffic-split rules: preview rules first, then the weighted main rule (green entry first, then blue). On
 * APISIX the entries name the upstream ids in `ids`.
 */
function trafficSplitRules(spec: ServiceSpec, ids: Partial<Record<Color, string>>): Record<string, unknown>[] {
  const weights = colorWeights(spec.active ?? "blue", spec.canaryPercent ?? 0);
  const rules: Record<string, unknown>[] = [];
  if (spec.preview !== undefined) {
    const variable = headerVar(spec.preview.header);
    const values: Record<Color, string> = {
      green: spec.preview.greenValue ?? "green",
      blue: spec.preview.blueValue ?? "blue",
    };
    for (const color of ["green", "blue"] as const) {
      rules.push({
        match: [{ vars: [[variable, "==", values[color]]] }],
        weighted_upstreams: [weighted(spec, ids, color, 1)],
      });
    }
  }
  rules.push({ weighted_upstreams: [weighted(spec, ids, "green", weights.green), weighted(spec, ids, "blue", weights.blue)] });
  return rules;
}

/** Options of `buildServiceRequests`. */
export interface BuildOptions {
  /**
   * Appends the content hash to the APISIX upstream ids and paths.
   *
   * @default appendContentHash
   */
  readonly appendUpstreamHash?: UpstreamHashAppender;
}

/** The requests of a blue-green service: its upstream objects (APISIX) and the service with the traffic-split. */
export function buildServiceRequests(spec: ServiceSpec, options: BuildOptions = {}): ServiceRequests {
  const active = spec.active ?? "blue";
  const retire = spec.retireIdle === true;
  const name = spec.name ?? spec.serviceId;
  const labels = managedLabels(spec.owner);
  const path = scopedPath("services", spec.serviceId, spec.scope);
  const hosts = spec.hosts === undefined ? {} : { hosts: [...spec.hosts] };

  if (spec.scope.flavor === "apisix") {
    const colors = retire ? [active] : COLORS;
    const built = buildUpstreamRequests(spec, colors, options.appendUpstreamHash ?? appendContentHash);
    const upstreams: Partial<Record<Color, AdminRequest>> = {};
    const ids: Partial<Record<Color, string>> = {};
    for (const color of colors) {
      const { id, ...request } = built[color]!;
      upstreams[color] = request;
      ids[color] = id;
    }
    const body: Record<string, unknown> = retire
      ? { name, labels, ...hosts, upstream_id: ids[active] }
      : {
          name,
          labels,
          ...hosts,
          upstream_id: ids.blue,
          plugins: { "traffic-split": { rules: trafficSplitRules(spec, ids) } },
        };
    return withHealthCheck(spec, { upstreams, service: { method: "PUT", path, body } });
  }

  const body: Record<string, unknown> = retire
    ? { name, labels, ...hosts, upstream: inlineUpstream(spec[active]) }
    : {
        name,
        labels,
        ...hosts,
        upstream: inlineUpstream(spec.blue),
        plugins: { "traffic-split": { rules: trafficSplitRules(spec, {}) } },
      };
  return withHealthCheck(spec, { upstreams: {}, service: { method: "PUT", path, body } });
}

function withHealthCheck(spec: ServiceSpec, requests: ServiceRequests): ServiceRequests {
  const healthCheck = buildHealthCheck(spec);
  return healthCheck === undefined ? requests : { ...requests, healthCheck };
}

/**
 * The `health_check` block of a service's hook input, or undefined without `healthCheck`.
 *
 * `targets` lists the nodes of every declared color (with `retireIdle` only the active one, the only color the
 * stack still declares) and nothing derived from `active`, so a flip changes only weights. Nodes with weight 0 take
 * no traffic and are not probed. Which colors are probed is decided at deploy time from the body being written
 * (`colorsWithTraffic`).
 */
export function buildHealthCheck(spec: ServiceSpec): HealthCheck | undefined {
  const hc = spec.healthCheck;
  if (hc === undefined) return undefined;
  const colors: readonly Color[] = spec.retireIdle === true ? [spec.active ?? "blue"] : COLORS;
  const targets: Partial<Record<Color, HealthTarget[]>> = {};
  for (const color of colors) {
    const upstream = spec[color];
    const scheme = upstream.scheme ?? "http";
    if (scheme === "grpc" || scheme === "grpcs") {
      throw new Error(`healthCheck probes http and https colors only, but ${color}.scheme is ${JSON.stringify(scheme)}`);
    }
    const hostHeader = upstream.passHost === "rewrite" && upstream.upstreamHost ? { host_header: upstream.upstreamHost } : {};
    targets[color] = upstream.nodes
      .filter((n) => (n.weight ?? 1) > 0)
      .map((n) => ({ scheme, host: n.host, port: n.port, ...hostHeader }));
  }
  return {
    path: hc.path,
    expect_status: hc.expectStatus ?? DEFAULT_HEALTH_EXPECT_STATUS,
    timeout_ms: hc.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    targets,
  };
}

/**
 * The colors that a service body (as `buildServiceRequests` builds it) gives traffic, in `COLORS` order: the inverse
 * of the model. With a `traffic-split`, the entries of weight > 0 in its first rule without `match` (the model's last
 * rule; preview rules have a `match` and do not count); without one (or without a match-less rule), the service's
 * default upstream.
 *
 * Colors are read from `upstream_id` (`parseUpstreamId`); on API7 EE an inline entry is green and a
 * weight-only entry is the service's default upstream, which is blue next to a traffic-split. An API7 EE body
 * without a traffic-split (`retireIdle`) carries its one color inline, without a name: it is then the single color
 * in `declared` (the colors whose nodes the caller knows; a retired service declares only the active one), and all
 * of `declared` when there are several, so that no color that may take traffic goes unchecked.
 * Throws on a body the model cannot have built (an unknown `upstream_id`).
 */
export function colorsWithTraffic(
  body: Record<string, unknown>,
  flavor: Flavor,
  serviceId: string,
  declared: readonly Color[] = COLORS,
): Color[] {
  const colorOfId = (id: unknown): Color => {
    const parsed = parseUpstreamId(id, serviceId);
    if (parsed !== undefined) return parsed.color;
    const hex = `<${UPSTREAM_HASH_LENGTH} hex digits>`;
    throw new Error(
      `upstream_id ${JSON.stringify(id)} is not an upstream of service ${serviceId} ` +
        `(expected ${upstreamId(serviceId, "blue", hex)} or ${upstreamId(serviceId, "green", hex)})`,
    );
  };
  const rules = asRecord(asRecord(body.plugins)?.["traffic-split"])?.rules;
  const hasSplit = Array.isArray(rules);
  const defaultColors = (): Color[] => {
    if (body.upstream_id !== undefined) return [colorOfId(body.upstream_id)];
    if (flavor === "api7-ee" && hasSplit) return ["blue"];
    if (declared.length === 0) throw new Error("the service's default upstream names no color and no color is declared");
    return sortColors(declared);
  };
  const main = hasSplit
    ? (rules as unknown[]).map(asRecord).find((r) => r !== undefined && (r.match === undefined || r.match === null))
    : undefined;
  if (main === undefined) return defaultColors();
  const entries = Array.isArray(main.weighted_upstreams) ? main.weighted_upstreams.map(asRecord) : [{ weight: 1 }];
  const out = new Set<Color>();
  for (const entry of entries) {
    if (entry === undefined) continue;
    const weight = typeof entry.weight === "number" ? entry.weight : 1;
    if (!(weight > 0)) continue;
    if (entry.upstream_id !== undefined) out.add(colorOfId(entry.upstream_id));
    else if (entry.upstream !== undefined) {
      if (flavor !== "api7-ee") throw new Error("an inline traffic-split upstream names no color on apisix");
      out.add("green");
    } else for (const color of defaultColors()) out.add(color);
  }
  return sortColors([...out]);
}

function sortColors(colors: readonly Color[]): Color[] {
  return COLORS.filter((c) => colors.includes(c));
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The request of a route bound to a blue-green service. */
export function buildRouteRequest(spec: RouteSpec): AdminRequest {
  const name = spec.name ?? spec.routeId;
  const body: Record<string, unknown> = { name, labels: managedLabels(spec.owner) };
  if (spec.scope.flavor === "apisix") {
    body.uris = [...spec.paths];
    if (spec.methods !== undefined) body.methods = [...spec.methods];
    if (spec.hosts !== undefined) body.hosts = [...spec.hosts];
  } else {
    if (spec.hosts !== undefined) throw new Error(`api7-ee routes have no hosts, got ${JSON.stringify(spec.hosts)}`);
    if (spec.methods !== undefined) body.methods = [...spec.methods];
    body.paths = [...spec.paths];
  }
  if (spec.priority !== undefined) body.priority = spec.priority;
  body.service_id = spec.serviceId;
  return { method: "PUT", path: scopedPath("routes", spec.routeId, spec.scope), body };
}
