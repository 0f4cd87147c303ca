/**
 * What a user declares for a blue-green service and its routes, and the defaults of what they leave out.
 *
 * The construct props extend these interfaces (adding the construct references), `props-schemas.ts` validates them,
 * and `lib/constructs/props-match-schemas.ts` proves at compile time that both say the same. Pure: no cdktf imports.
 */
import type { HTTP_METHODS } from "../schemas/common";

/** The two colors. */
export type Color = "blue" | "green";
export const COLORS: readonly Color[] = ["blue", "green"];

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

/** One check of a verified release: requests sent through the gateway's proxy, each of which must pass. */
export interface ReleaseCheckSpec {
  /** Request path, e.g. `/shop/health` (a query string is allowed). */
  readonly path: string;
  /**
   * HTTP method.
   *
   * @default "GET"
   */
  readonly method?: (typeof HTTP_METHODS)[number];
  /**
   * The status every response must have.
   *
   * @default 200
   */
  readonly expectStatus?: number;
  /**
   * How many requests are sent (1..1000); every one must pass.
   *
   * @default 1
   */
  readonly count?: number;
  /**
   * Request headers, e.g. a `Host`.
   *
   * @default - none; without a `Host`, the service's first host without a wildcard is sent, if it has one
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Text every response body must contain.
   *
   * @default - the body is not checked
   */
  readonly expectBodyContains?: string;
  /**
   * Response headers every response must carry, with these values.
   *
   * @default - the headers are not checked
   */
  readonly expectHeaders?: Readonly<Record<string, string>>;
  /**
   * Time each request has to answer, in milliseconds (1..60000).
   *
   * @default 5000
   */
  readonly timeoutMs?: number;
}

/**
 * The analysis of real traffic during a verified release: success rate (non-5xx) and p99 latency of the color that
 * gains traffic, from APISIX's Prometheus metrics (the construct enables the `prometheus` plugin on the service).
 * Set exactly one of `exporterUrls` and `prometheusUrl`, and at least one of `minSuccessRatePercent` and `maxP99Ms`.
 */
export interface ReleaseAnalysisSpec {
  /**
   * The metrics URL of every gateway node, e.g. `http://127.0.0.1:9091/apisix/prometheus/metrics`; the counters'
   * deltas over a window are summed over all of them.
   *
   * @default - none: `prometheusUrl` is used
   */
  readonly exporterUrls?: readonly string[];
  /**
   * A Prometheus server that scrapes every gateway node, e.g. `http://prometheus:9090`, asked with PromQL.
   *
   * @default - none: `exporterUrls` are scraped
   */
  readonly prometheusUrl?: string;
  /**
   * The least share of non-5xx answers, in percent, a window may have.
   *
   * @default - the success rate is not judged
   */
  readonly minSuccessRatePercent?: number;
  /**
   * The highest p99 request latency, in milliseconds, a window may have.
   *
   * @default - the latency is not judged
   */
  readonly maxP99Ms?: number;
  /** Requests a window needs to be judged; with fewer it is inconclusive and watched again. */
  readonly minRequests: number;
  /**
   * Inconclusive windows in a row at one step before the release fails and restores.
   *
   * @default 3
   */
  readonly maxInconclusiveWindows?: number;
}

/**
 * A verified release: every service write that moves traffic toward a color is checked through the gateway before
 * and while traffic moves, step by step, and the service body the gateway held before is written back when the new
 * color misbehaves. Static configuration: nothing in it depends on `active` or `canaryPercent`.
 */
export interface ReleaseSpec {
  /**
   * Percentages of traffic on the color that gains traffic, in increasing order, before the declared weights.
   *
   * @default - none: straight to the declared weights
   */
  readonly steps?: readonly number[];
  /** How long each step (and the declared weights) is watched, in seconds. */
  readonly stepIntervalSec: number;
  /**
   * Requests sent through the gateway's `proxyUrl`: with the preview header of the color that gains traffic before
   * any traffic moves (when `preview` is set), then without it during every step.
   *
   * @default - none (then `analysis` is required)
   */
  readonly checks?: readonly ReleaseCheckSpec[];
  /**
   * The analysis of real traffic.
   *
   * @default - no analysis
   */
  readonly analysis?: ReleaseAnalysisSpec;
}

/** What a user declares for one blue-green service: the props of a BlueGreenService without the construct ones. */
export interface BlueGreenServiceOptions {
  /**
   * Admin API id of the service, at most 49 characters. On APISIX it is also the prefix of the upstream ids
   * `<id>-blue-<hash>` and `<id>-green-<hash>` (the hash follows the color's content).
   */
  readonly serviceId: string;
  /**
   * Display name of the service.
   *
   * @default - the service id
   */
  readonly name?: string;
  /** The blue color's backend. */
  readonly blue: UpstreamSpec;
  /** The green color's backend. */
  readonly green: UpstreamSpec;
  /**
   * Hosts that every route of the service matches (`*.example.com` wildcards allowed). On API7 EE this is the only
   * place for hosts; on APISIX a route's own `hosts` take precedence.
   *
   * @default - any host
   */
  readonly hosts?: readonly string[];
  /**
   * The color that receives live traffic. Flipping it changes only the traffic-split weights.
   *
   * @default "blue"
   */
  readonly active?: Color;
  /**
   * Percentage of traffic (0..99) sent to the idle color, for a canary.
   *
   * @default 0
   */
  readonly canaryPercent?: number;
  /**
   * Header-based preview of both colors, ahead of the weights.
   *
   * @default - no preview
   */
  readonly preview?: PreviewSpec;
  /**
   * Retire the idle color (the manual workflow's Cleanup): the service points at the active color only, without
   * traffic-split, and on APISIX the idle upstream object is deleted by the sweep.
   *
   * @default false
   */
  readonly retireIdle?: boolean;
  /**
   * Gate the service write on the health of the nodes that will take traffic: before the hook writes the service, it
   * sends `GET <scheme>://<host>:<port><path>` straight to every node of every color that the new service gives
   * traffic (weight > 0; preview rules do not count), and writes nothing if one of them does not answer
   * `expectStatus` within `timeoutMs` (https without certificate verification). Upstreams and routes are never gated.
   *
   * @default - no health gate
   */
  readonly healthCheck?: HealthCheckSpec;
  /**
   * Make every service write that moves traffic toward a color (a flip, a canary step, a revert) a verified release:
   * preview checks, steps, checks and analysis, and an automatic restore of the old service body on any failure. The
   * first write of a service is not a release. Needs the gateway connection's `proxyUrl`.
   * `BLUEGREEN_RELEASE=immediate cdktf deploy` skips it for one deploy.
   *
   * @default - no release: one verified write
   */
  readonly release?: ReleaseSpec;
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

/** The color that receives live traffic: `active`, blue when left out. */
export function activeColor(options: Pick<BlueGreenServiceOptions, "active">): Color {
  return options.active ?? "blue";
}

/** The header value that reaches each color: `greenValue` and `blueValue`, the color's name when left out. */
export function previewValues(preview: PreviewSpec): Record<Color, string> {
  return { green: preview.greenValue ?? "green", blue: preview.blueValue ?? "blue" };
}

/** A node's load-balancing weight: `weight`, 1 when left out. */
export function nodeWeight(node: NodeSpec): number {
  return node.weight ?? 1;
}
