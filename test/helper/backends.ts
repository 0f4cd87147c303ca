/**
 * Shared test helper: real node:http backends on 127.0.0.1 that echo what they received.
 * Every request is answered 200 JSON `{"backend", "method", "path", "headers"}` with header `X-Backend: <name>`;
 * `status` and `delayMs` switch a running backend to another status (a broken color) or to answering late (a slow one).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A running backend. `requests` counts requests answered so far. */
export interface Backend {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  readonly requests: number;
  /** Status of the next answers. @default 200 */
  status: number;
  /** Milliseconds to wait before answering. @default 0 */
  delayMs: number;
  close(): Promise<void>;
}

export interface BackendOptions {
  /** Address to listen on. @default "127.0.0.1" */
  readonly host?: string;
}

/** Starts one echo backend on an ephemeral port. */
export async function startBackend(name: string, options: BackendOptions = {}): Promise<Backend> {
  const host = options.host ?? "127.0.0.1";
  let requests = 0;
  const behaviour = { status: 200, delayMs: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    // Drain the request body before answering so keep-alive connections stay usable.
    req.resume();
    req.on("end", () => {
      requests += 1;
      const body = JSON.stringify({ backend: name, method: req.method, path: req.url, headers: req.headers });
      const answer = () => {
        res.writeHead(behaviour.status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-backend": name,
        });
        res.end(body);
      };
      if (behaviour.delayMs > 0) setTimeout(answer, behaviour.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    host,
    port,
    url: `http://${host}:${port}`,
    get requests() {
      return requests;
    },
    get status() {
      return behaviour.status;
    },
    set status(value: number) {
      behaviour.status = value;
    },
    get delayMs() {
      return behaviour.delayMs;
    },
    set delayMs(value: number) {
      behaviour.delayMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts one backend per name, in parallel. */
export function startBackends(names: readonly string[], options: BackendOptions = {}): Promise<Backend[]> {
  return Promise.all(names.map((n) => startBackend(n, options)));
}
