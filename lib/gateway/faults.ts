/**
 * TEST-ONLY fault switch for the embedded gateway's Admin API.
 *
 * Lets a test make the next matching Admin API requests fail with a chosen status (and body) or hang without an
 * answer, to exercise the hook's retries, timeouts and error messages against the real gateway. It is off unless a
 * test passes an `AdminFaults` instance to `startGateway({ faults })` / `createAdminHandler({ faults })`; the
 * `bluegreen gateway` CLI never creates one, and nothing reachable over HTTP can program it.
 *
 * A faulted request never reaches the store: nothing is written, whatever the method.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./admin-http";

/** Which requests a fault applies to; every given field must match. */
export interface FaultMatch {
  /** HTTP method, e.g. `PUT` (case-insensitive). @default - any method */
  readonly method?: string;
  /** Prefix of the URL path (without the query), e.g. `/apisix/admin/services/svc`. @default - any path */
  readonly pathPrefix?: string;
}

/** Answer the next `count` matching requests with `status` and `body`. */
export interface FailSpec extends FaultMatch {
  readonly status: number;
  /** How many matching requests fail; `Infinity` until `clear()`. @default 1 */
  readonly count?: number;
  /** JSON body of the answer. @default {"error_msg": "injected fault: <status>"} */
  readonly body?: unknown;
}

/** Never answer the next `count` matching requests (their sockets are destroyed by `clear()` or gateway close). */
export interface HangSpec extends FaultMatch {
  /** @default 1 */
  readonly count?: number;
}

/** One Admin API request the fault switch saw (every request, faulted or not). */
export interface SeenRequest {
  readonly method: string;
  /** URL path without the query. */
  readonly path: string;
  /** What the switch did with it. */
  readonly fault?: "fail" | "hang";
}

interface Rule {
  readonly kind: "fail" | "hang";
  readonly match: FaultMatch;
  remaining: number;
  readonly status: number;
  readonly body?: unknown;
}

/** The programmable fault switch; see the module comment. */
export class AdminFaults {
  /** Every request seen, in arrival order. */
  readonly seen: SeenRequest[] = [];
  private rules: Rule[] = [];
  private readonly hanging = new Set<ServerResponse>();

  /** Makes the next `count` matching requests fail with `status`. */
  failNext(spec: FailSpec): this {
    if (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599) {
      throw new Error(`invalid fault status ${spec.status}: expected an HTTP status from 100 to 599`);
    }
    this.rules.push({ kind: "fail", match: spec, remaining: countOf(spec.count), status: spec.status, body: spec.body });
    return this;
  }

  /** Makes the next `count` matching requests hang (no answer). */
  hangNext(spec: HangSpec = {}): this {
    this.rules.push({ kind: "hang", match: spec, remaining: countOf(spec.count), status: 0 });
    return this;
  }

  /** Removes every pending fault and drops the connections of hanging requests. */
  clear(): void {
    this.rules = [];
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  /** Number of faults still to be consumed (Infinity for an open-ended one). */
  pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0);
  }

  /** Requests seen matching `match` (and optionally only those that were faulted). */
  count(match: FaultMatch = {}, faulted?: boolean): number {
    return this.seen.filter(
      (s) => matches(match, s.method, s.path) && (faulted === undefined || (s.fault !== undefined) === faulted),
    ).length;
  }

  /**
   * Called by the Admin API handler for every request; answers (or holds) it and returns true when a fault applies.
   *
   * @internal
   */
  intercept(req: IncomingMessage, res: ServerResponse): boolean {
    const method = (req.method ?? "GET").toUpperCase();
    const path = pathOf(req.url);
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r.match, method, path));
    if (!rule) {
      this.seen.push({ method, path });
      return false;
    }
    rule.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    this.seen.push({ method, path, fault: rule.kind });
    req.resume();
    if (rule.kind === "hang") {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      return true;
    }
    const body = rule.body === undefined ? { error_msg: `injected fault: ${rule.status}` } : rule.body;
    req.on("end", () => sendJson(res, rule.status, body));
    return true;
  }
}

function countOf(count: number | undefined): number {
  const n = count ?? 1;
  if (!(n >= 1) || (!Number.isInteger(n) && n !== Infinity)) {
    throw new Error(`invalid fault count ${n}: expected an integer >= 1 or Infinity`);
  }
  return n;
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false;
  if (match.pathPrefix !== undefined && !path.startsWith(match.pathPrefix)) return false;
  return true;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const q = raw.indexOf("?");
  return q === -1 ? raw : raw.slice(0, q);
}
