/**
 * The small, human-readable view of a gateway object that its `terraform_data` resource keeps as `input` (and so as
 * `output`), so that `terraform plan` names what changes in release terms (`~ blue = 100 -> 0`) instead of a nested
 * Admin API body. The full request lives in a Terraform local (`request-local.ts`); the view never reaches the hook.
 * Views are small and stable: a field appears only when the object has it.
 */
import { colorShares, type ColorShares } from "../release/weights";
import type { Color } from "./specs";
import type { Flavor } from "./gateway-request";

/** `{ service, traffic = { blue = 100, green = 0 } }`: the share of each color in the main traffic-split rule. */
export interface ServiceView {
  readonly service: string;
  readonly traffic: ColorShares;
}

/** `{ upstream, color, nodes = ["10.0.2.12:8080"] }`. */
export interface UpstreamView {
  readonly upstream: string;
  readonly color: Color;
  readonly nodes: string[];
}

/** `{ route, paths, methods, hosts, service }` (fields the route has). */
export interface RouteView {
  readonly route: string;
  readonly [field: string]: unknown;
}

export type ObjectView = ServiceView | UpstreamView | RouteView;

/** The view of a service body; `declared` are the colors whose nodes the service knows (one for a retired idle). */
export function serviceView(
  serviceId: string,
  body: Record<string, unknown>,
  flavor: Flavor,
  declared: readonly Color[],
): ServiceView {
  return { service: serviceId, traffic: colorShares(body, { flavor, serviceId, declared }) };
}

/** The view of one color's upstream body (`nodes` as `host:port`). */
export function upstreamView(upstreamId: string, color: Color, body: Record<string, unknown>): UpstreamView {
  const nodes = Array.isArray(body.nodes) ? (body.nodes as Array<Record<string, unknown>>) : [];
  return { upstream: upstreamId, color, nodes: nodes.map((n) => `${String(n.host)}:${String(n.port)}`) };
}

/** The view of a route body: what it matches and the service it sends to. */
export function routeView(routeId: string, body: Record<string, unknown>): RouteView {
  // `uris` on APISIX, `paths` on API7 EE
  const paths = body.uris ?? body.paths ?? (body.uri !== undefined ? [body.uri] : undefined);
  const fields: Record<string, unknown> = {
    paths,
    methods: body.methods,
    hosts: body.hosts ?? (body.host !== undefined ? [body.host] : undefined),
    service: body.service_id,
  };
  return { route: routeId, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
}
