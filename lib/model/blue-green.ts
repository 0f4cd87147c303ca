/**
 * The blue-green request builder: validated specs in, the exact Admin API requests out.
 *
 * Pure functions with no cdktf or Terraform imports, so a native Terraform provider can reuse them. The traffic-split
 * lives on the service, so a flip (or a canary step) is one write and every route of the service moves together;
 * flipping `active` changes only `weight` values. What a user declares is in `specs.ts`; the deploy-time inverse
 * (which colors a body gives traffic) in `traffic-colors.ts`.
 */
import { objectPath, type AdminResource } from "./admin-paths";
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
import {
  COLORS,
  nodeWeight,
  previewValues,
  type BlueGreenServiceOptions,
  type Color,
  type RouteMatch,
  type UpstreamSpec,
} from "./specs";
import { appendContentHash, upstreamId, type UpstreamHashAppender } from "./upstream-ids";
import { buildReleaseInput, type ReleaseInput } from "../release/release-input";

/** Where the objects go: the flavor decides the payload shapes, the group is part of every API7 EE path. */
export interface GatewayPlacement {
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

/** Everything that decides a blue-green service's requests: the declared options, placed on a gateway. */
export interface ServiceSpec extends BlueGreenServiceOptions {
  readonly placement: GatewayPlacement;
  /** Value of the `bluegreen-owner` label. */
  readonly owner: string;
  /** The color that receives live traffic, resolved (`activeColor`). */
  readonly active: Color;
  /**
   * Where requests to the routes go (the connection's `proxyUrl`); required with `release`.
   *
   * @default - none
   */
  readonly proxyUrl?: string;
}

/** The requests of one service, in write order: upstreams (APISIX only), then the service. */
export interface ServiceRequests {
  /** Standalone upstream objects (APISIX only; a retired color has none). */
  readonly upstreams: Partial<Record<Color, AdminRequest>>;
  readonly service: AdminRequest;
  /** The `health_check` block of the service's hook input; only when `healthCheck` is set. */
  readonly healthCheck?: HealthCheck;
  /** The `release` block of the service's hook input; only when `release` is set. */
  readonly release?: ReleaseInput;
}

/** Everything that decides a route's request. */
export interface RouteSpec extends RouteMatch {
  readonly placement: GatewayPlacement;
  readonly owner: string;
  readonly serviceId: string;
}

/** APISIX's default proxy timeout, used for the timeout fields the user left out. */
const DEFAULT_TIMEOUT_SEC = 60;

/** The labels every object we write carries. */
function managedLabels(owner: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [OWNER_LABEL]: owner };
}

/** Admin API path of one object placed on `placement`; API7 EE paths must carry the gateway group. */
export function scopedPath(kind: AdminResource, id: string, placement: GatewayPlacement): string {
  if (placement.flavor === "api7-ee" && (placement.gatewayGroupId === undefined || placement.gatewayGroupId === "")) {
    throw new Error(`api7-ee paths need a gateway group id, got ${JSON.stringify(placement.gatewayGroupId)}`);
  }
  return objectPath(placement.flavor, kind, id, placement.gatewayGroupId);
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

/** The fields of an upstream shared by the standalone (APISIX) and inline (API7 EE service and traffic-split) forms. */
function upstreamFields(spec: UpstreamSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { type: "roundrobin" };
  if (spec.scheme !== undefined) out.scheme = spec.scheme;
  if (spec.passHost !== undefined) out.pass_host = spec.passHost;
  if (spec.upstreamHost !== undefined) out.upstream_host = spec.upstreamHost;
  out.nodes = spec.nodes.map((n) => ({ host: n.host, port: n.port, weight: nodeWeight(n) }));
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
    const path = appendHash(scopedPath("upstreams", unhashed, spec.placement), fields);
    const body = { name: `${spec.serviceId}-${color}`, ...fields, labels: managedLabels(spec.owner) };
    out[color] = { id, method: "PUT", path, body };
  }
  return out;
}

/** A traffic-split entry sending `weight` to `color`; `ids` are the APISIX upstream ids. */
function weighted(spec: ServiceSpec, ids: Partial<Record<Color, string>>, color: Color, weight: number): Record<string, unknown> {
  if (spec.placement.flavor === "apisix") return { upstream_id: ids[color], weight };
  // api7-ee: blue is the service's default upstream (weight-only entry), green is inline.
  return color === "green" ? { upstream: upstreamFields(spec.green), weight } : { weight };
}

/**
 * The traffic-split rules: preview rules first, then the weighted main rule (green entry first, then blue). On
 * APISIX the entries name the upstream ids in `ids`.
 */
function trafficSplitRules(spec: ServiceSpec, ids: Partial<Record<Color, string>>): Record<string, unknown>[] {
  const weights = colorWeights(spec.active, spec.canaryPercent);
  const rules: Record<string, unknown>[] = [];
  if (spec.preview !== undefined) {
    const variable = headerVar(spec.preview.header);
    const values = previewValues(spec.preview);
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
  const active = spec.active;
  const retire = spec.retireIdle === true;
  const name = spec.name ?? spec.serviceId;
  const labels = managedLabels(spec.owner);
  const path = scopedPath("services", spec.serviceId, spec.placement);
  const hosts = spec.hosts === undefined ? {} : { hosts: [...spec.hosts] };

  if (spec.placement.flavor === "apisix") {
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
      ? { name, labels, ...hosts, upstream_id: ids[active], ...metricsPlugin(spec) }
      : {
          name,
          labels,
          ...hosts,
          upstream_id: ids.blue,
          plugins: { "traffic-split": { rules: trafficSplitRules(spec, ids) }, ...metricsPlugin(spec).plugins },
        };
    return withHookBlocks(spec, { upstreams, service: { method: "PUT", path, body } });
  }

  const body: Record<string, unknown> = retire
    ? { name, labels, ...hosts, upstream: upstreamFields(spec[active]), ...metricsPlugin(spec) }
    : {
        name,
        labels,
        ...hosts,
        upstream: upstreamFields(spec.blue),
        plugins: { "traffic-split": { rules: trafficSplitRules(spec, {}) }, ...metricsPlugin(spec).plugins },
      };
  return withHookBlocks(spec, { upstreams: {}, service: { method: "PUT", path, body } });
}

/** `{ plugins: { prometheus: {} } }` when `release.analysis` is set (its figures come from that plugin), else `{}`. */
function metricsPlugin(spec: ServiceSpec): { plugins?: Record<string, unknown> } {
  return spec.release?.analysis === undefined ? {} : { plugins: { prometheus: {} } };
}

/** The service request with the `health_check` and `release` blocks of its hook input, when declared. */
function withHookBlocks(spec: ServiceSpec, requests: ServiceRequests): ServiceRequests {
  const healthCheck = buildHealthCheck(spec);
  const release = buildRelease(spec);
  return {
    ...requests,
    ...(healthCheck === undefined ? {} : { healthCheck }),
    ...(release === undefined ? {} : { release }),
  };
}

/**
 * The `release` block of a service's hook input, or undefined without `release`. Like the health gate's targets, it
 * lists the nodes of every declared color (with `retireIdle` only the active one) and nothing derived from `active`.
 */
export function buildRelease(spec: ServiceSpec): ReleaseInput | undefined {
  if (spec.release === undefined) return undefined;
  if (spec.proxyUrl === undefined) throw new Error(`release of service ${spec.serviceId} needs the gateway's proxyUrl, got undefined`);
  const colors: readonly Color[] = spec.retireIdle === true ? [spec.active] : COLORS;
  const nodes: Partial<Record<Color, UpstreamSpec["nodes"]>> = {};
  for (const color of colors) nodes[color] = spec[color].nodes;
  return buildReleaseInput(spec.release, { proxyUrl: spec.proxyUrl, preview: spec.preview, hosts: spec.hosts, nodes });
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
  const colors: readonly Color[] = spec.retireIdle === true ? [spec.active] : COLORS;
  const targets: Partial<Record<Color, HealthTarget[]>> = {};
  for (const color of colors) {
    const upstream = spec[color];
    const scheme = upstream.scheme ?? "http";
    if (scheme === "grpc" || scheme === "grpcs") {
      throw new Error(`healthCheck probes http and https colors only, but ${color}.scheme is ${JSON.stringify(scheme)}`);
    }
    const hostHeader = upstream.passHost === "rewrite" && upstream.upstreamHost ? { host_header: upstream.upstreamHost } : {};
    targets[color] = upstream.nodes
      .filter((n) => nodeWeight(n) > 0)
      .map((n) => ({ scheme, host: n.host, port: n.port, ...hostHeader }));
  }
  return {
    service_id: spec.serviceId,
    path: hc.path,
    expect_status: hc.expectStatus ?? DEFAULT_HEALTH_EXPECT_STATUS,
    timeout_ms: hc.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    targets,
  };
}

/** The request of a route bound to a blue-green service. */
export function buildRouteRequest(spec: RouteSpec): AdminRequest {
  const name = spec.name ?? spec.routeId;
  const body: Record<string, unknown> = { name, labels: managedLabels(spec.owner) };
  if (spec.placement.flavor === "apisix") {
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
  return { method: "PUT", path: scopedPath("routes", spec.routeId, spec.placement), body };
}
