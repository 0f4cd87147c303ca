/**
 * What a deploy changes in release terms: the release state of the synthesized stacks (head) against a base (the
 * live gateway, or another synth output).
 */
import { type Color, COLORS } from "../model/specs";
import type { ColorShares } from "../release/weights";
import type { ReleaseState, RouteState, ServiceState } from "./release-state";

export type Change = "added" | "removed" | "changed" | "unchanged";

export interface ServiceReview {
  readonly id: string;
  readonly change: Change;
  readonly before?: ColorShares;
  readonly after?: ColorShares;
  /** Per color: nodes that the deploy adds and removes. */
  readonly nodes: Partial<Record<Color, { added: string[]; removed: string[] }>>;
  /** Routes of the service after the deploy (`GET /shop/*`). */
  readonly routes: string[];
  readonly preview?: string;
  readonly healthGate?: string;
}

export interface RouteReview {
  readonly id: string;
  readonly change: Change;
  readonly before?: RouteState;
  readonly after?: RouteState;
}

export interface ReviewReport {
  readonly services: ServiceReview[];
  readonly routes: RouteReview[];
  /** Whether anything changes. */
  readonly changed: boolean;
}

/** Compares `base` (what is there) with `head` (what the deploy writes). */
export function compareStates(base: ReleaseState, head: ReleaseState): ReviewReport {
  const services = ids(base.services, head.services).map((id) => serviceReview(id, base.services.get(id), head.services.get(id), head));
  const routes = ids(base.routes, head.routes).map((id): RouteReview => {
    const [before, after] = [base.routes.get(id), head.routes.get(id)];
    return { id, change: changeOf(before, after, JSON.stringify(before) === JSON.stringify(after)), before, after };
  });
  const changed = [...services, ...routes].some((r) => r.change !== "unchanged");
  return { services, routes, changed };
}

/** `GET /shop/*, /api/*` (methods once per route, paths joined). */
export function describeRoute(route: RouteState): string {
  const methods = route.methods.length > 0 ? `${route.methods.join(",")} ` : "";
  const hosts = route.hosts.length > 0 ? ` on ${route.hosts.join(", ")}` : "";
  return `${methods}${route.paths.join(", ")}${hosts}`;
}

function serviceReview(id: string, before: ServiceState | undefined, after: ServiceState | undefined, head: ReleaseState): ServiceReview {
  const nodes: ServiceReview["nodes"] = {};
  for (const color of COLORS) {
    const [was, will] = [before?.nodes[color] ?? [], after?.nodes[color] ?? []];
    const added = will.filter((n) => !was.includes(n));
    const removed = was.filter((n) => !will.includes(n));
    if (added.length > 0 || removed.length > 0) nodes[color] = { added, removed };
  }
  const same =
    JSON.stringify(before?.shares) === JSON.stringify(after?.shares) &&
    Object.keys(nodes).length === 0 &&
    before?.preview === after?.preview;
  const routes = [...head.routes.values()].filter((r) => r.service === id).map(describeRoute);
  const state = after ?? before;
  return {
    id,
    change: changeOf(before, after, same),
    before: before?.shares,
    after: after?.shares,
    nodes,
    routes,
    preview: state?.preview,
    healthGate: after?.healthGate,
  };
}

function changeOf(before: unknown, after: unknown, same: boolean): Change {
  if (before === undefined) return "added";
  if (after === undefined) return "removed";
  return same ? "unchanged" : "changed";
}

function ids<T>(a: Map<string, T>, b: Map<string, T>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}
