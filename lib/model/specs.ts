/**
 * What a user declares for a blue-green service and its routes, and the defaults of what they leave out.
 *
 * The construct props extend these interfaces (adding the construct references), `props-schemas.ts` validates them,
 * and `lib/constructs/props-match-schemas.ts` proves at compile time that both say the same. Pure: no cdktf imports.
 */

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
