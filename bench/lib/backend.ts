/**
 * Bench backends: tiny node:http servers on 127.0.0.1 that answer every request 200 with `X-Backend: <name>`.
 * Run in-process (`startBackend`) or, to keep the load generator and the backend on different cores, in a child
 * process (`startBackendProcess`, which runs this file).
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startServer, type Server } from "./proc";

export interface Backend {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  close(): Promise<void>;
}

function listen(name: string): Promise<{ server: HttpServer; port: number }> {
  const body = Buffer.from(JSON.stringify({ backend: name }));
  const server = createServer((req, res) => {
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length, "x-backend": name });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

/** Starts one backend in this process on an ephemeral loopback port. */
export async function startBackend(name: string): Promise<Backend> {
  const { server, port } = await listen(name);
  return {
    name,
    host: "127.0.0.1",
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Backends served by one child process. */
export interface BackendProcess {
  readonly server: Server;
  readonly backends: Record<string, Backend>;
  stop(): Promise<void>;
}

/** Starts one child process serving one backend per name. */
export async function startBackendProcess(names: readonly string[]): Promise<BackendProcess> {
  const server = await startServer(process.execPath, [__filename, ...names], /^BACKENDS (\{.*\})$/m);
  const ports = JSON.parse(server.ready[1]) as Record<string, number>;
  const backends: Record<string, Backend> = {};
  for (const [name, port] of Object.entries(ports)) {
    backends[name] = { name, host: "127.0.0.1", port, url: `http://127.0.0.1:${port}`, close: async () => undefined };
  }
  return { server, backends, stop: () => server.stop() };
}

if (require.main === module) {
  const names = process.argv.slice(2);
  Promise.all(names.map((n) => listen(n))).then(
    (servers) => {
      const ports: Record<string, number> = {};
      names.forEach((n, i) => (ports[n] = servers[i].port));
      process.stdout.write(`BACKENDS ${JSON.stringify(ports)}\n`);
      const stop = () => {
        for (const s of servers) {
          s.server.closeAllConnections();
          s.server.close();
        }
        process.exit(0);
      };
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    },
    (err) => {
      process.stderr.write(`backend: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
