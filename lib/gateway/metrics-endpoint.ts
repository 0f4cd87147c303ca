/**
 * The metrics listener's handler, as APISIX's export server (`plugin_attr.prometheus.export_uri`) answers:
 * `GET /apisix/prometheus/metrics` (any query string) serves the exposition; anything else is a 404.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { METRICS_PATH, type GatewayMetrics } from "./metrics";
import { sendError } from "./proxy";

/** A request handler serving `metrics`. */
export function createMetricsHandler(metrics: GatewayMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    res.on("error", () => undefined);
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== METRICS_PATH) return sendError(res, 404);
    metrics.exposition().then(
      (text) => {
        res.writeHead(200, { "content-type": metrics.contentType, "content-length": Buffer.byteLength(text), server: "APISIX" });
        res.end(text);
      },
      () => sendError(res, 500),
    );
  };
}
