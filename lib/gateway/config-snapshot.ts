/**
 * The interface between the embedded gateway's control plane (admin API + store) and its data plane (router,
 * traffic-split, balancer, proxy).
 *
 * The store publishes an immutable snapshot after every accepted write; the data plane reads `current()` once per
 * request, so a write affects the very next request and an in-flight request keeps the snapshot it started with.
 * Values are exactly what the Admin API stored (client body + id + create_time + update_time; no schema defaults),
 * so the data plane applies defaults itself (weight 1, pass_host "pass", scheme "http", type "roundrobin", ...).
 */
import type { Flavor } from "../model/gateway-request";

/** One route, service or upstream of a snapshot: its stored value, with its id. */
export type ConfigObject = Record<string, unknown> & { id: string };

export interface GatewayConfig {
  readonly flavor: Flavor;
  /** Increases by one on every accepted write; lets the data plane cache compiled routers and pickers. */
  readonly version: number;
  readonly routes: ReadonlyMap<string, ConfigObject>;
  readonly services: ReadonlyMap<string, ConfigObject>;
  /**
   * APISIX: standalone upstreams keyed by id.
   * API7 EE: service-scoped upstreams keyed by `${serviceId}/${upstreamId}`.
   */
  readonly upstreams: ReadonlyMap<string, ConfigObject>;
}

export interface ConfigSource {
  current(): GatewayConfig;
}
