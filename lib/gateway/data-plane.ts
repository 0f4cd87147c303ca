/**
 * The embedded gateway's data plane: matches a route, runs traffic-split, picks a node and proxies.
 * STUB: the data-plane work replaces the body; the signature is the contract with the control plane.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConfigSource } from "./config-snapshot";

export interface DataPlaneOptions {
  /** Upstream connect timeout when neither route, service nor upstream sets one. @default 60000 */
  readonly defaultTimeoutMs?: number;
}

export interface DataPlane {
  /** Handles one client request on the proxy listener; never throws, always answers. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Closes pooled upstream connections. */
  close(): Promise<void>;
}

export function createDataPlane(source: ConfigSource, _options: DataPlaneOptions = {}): DataPlane {
  void source;
  return {
    handle(_req, res) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error_msg: "404 Route Not Found" }) + "\n");
    },
    async close() {},
  };
}
