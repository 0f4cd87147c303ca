/**
 * Test helper: real node:http backends on 127.0.0.1 whose health endpoint a test can break and fix.
 * `GET /healthz` answers `health` (200 until changed; `"hang"` never answers); every other request is answered 200
 * JSON with header `X-Backend: <name>`, like test/helper/backends.ts, so `countLandings` counts them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthBackend {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Status of `GET /healthz`, or "hang". */
  health: number | "hang";
  /** Health probes received so far. */
  readonly probes: number;
  close(): Promise<void>;
}

export async function startHealthBackend(name: string): Promise<HealthBackend> {
  let probes = 0;
  const state = { health: 200 as number | "hang" };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    req.resume();
    req.on("end", () => {
      if (req.url === "/healthz") {
        probes += 1;
        if (state.health === "hang") return; // never answered; closeAllConnections() ends it
        res.writeHead(state.health, { "content-type": "text/plain", "x-backend": name });
        res.end(state.health === 200 ? "ok" : "unhealthy");
        return;
      }
      const body = JSON.stringify({ backend: name, path: req.url });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-backend": name });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    host: "127.0.0.1",
    port,
    get health() {
      return state.health;
    },
    set health(value: number | "hang") {
      state.health = value;
    },
    get probes() {
      return probes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
