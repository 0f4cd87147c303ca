/**
 * The log phase of one proxied request, for the prometheus plugin: started when the request arrives, told by the
 * data plane whether (and with which labels) the matched route counts, filled in by the proxy with the upstream
 * side, and recorded once the response is closed. Sizes are nginx's `$request_length` and `$bytes_sent`, taken
 * from the connection's byte counters since the end of its previous request; a client that leaves before the
 * response starts is logged with nginx's 499.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { GatewayMetrics, ResponseSource } from "./metrics";
import type { RouteLabels } from "./prometheus-plugin";
import type { UpstreamReport } from "./proxy";

/** A connection's byte counters when its previous request ended. */
const previousEnd = new WeakMap<Socket, { readonly read: number; readonly written: number }>();

/** nginx's status for a request whose client closed the connection before the response started. */
const CLIENT_CLOSED = 499;

/** One request's log entry. */
export class RequestLog {
  /** Filled in by the proxy. */
  readonly upstream: UpstreamReport = { node: "", tries: 0, upstreamMs: 0, answered: false };
  private labels: RouteLabels | undefined;

  constructor(metrics: GatewayMetrics, req: IncomingMessage, res: ServerResponse) {
    const started = performance.now();
    const socket = req.socket;
    res.once("close", () => {
      const before = previousEnd.get(socket) ?? { read: 0, written: 0 };
      const now = { read: socket.bytesRead, written: socket.bytesWritten };
      previousEnd.set(socket, now);
      const labels = this.labels;
      if (!labels) return;
      const { upstream } = this;
      const source: ResponseSource = upstream.answered ? "upstream" : upstream.tries > 0 ? "nginx" : "apisix";
      metrics.record({
        ...labels,
        code: res.headersSent ? res.statusCode : CLIENT_CLOSED,
        node: upstream.node,
        responseSource: source,
        latencyMs: performance.now() - started,
        upstreamLatencyMs: upstream.tries > 0 ? upstream.upstreamMs : undefined,
        requestBytes: Math.max(0, now.read - before.read),
        sentBytes: Math.max(0, now.written - before.written),
      });
    });
  }

  /** The matched route enables the plugin: count this request with these labels. */
  count(labels: RouteLabels): void {
    this.labels = labels;
  }
}
