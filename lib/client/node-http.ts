/**
 * One keep-alive connection pool over Node's built-in `node:http` / `node:https`, for the Admin API client's
 * requests. Built in, it costs the hook nothing to load; undici costs ~20 ms to load and, at the first request,
 * compiles its WebAssembly HTTP parser, whose background optimisation Node waits for before the process may exit
 * (~100 ms more on a 2-core machine). The hook sends three requests per object and exits.
 */
import type { Agent as HttpAgent, IncomingMessage } from "node:http";

/** TLS settings of an `https://` origin. */
export interface NodeHttpTls {
  /** Verify the server's certificate (the opposite of `curl -k`). */
  readonly rejectUnauthorized: boolean;
  /** PEM text of the CA to trust instead of Node's bundled roots. */
  readonly ca?: string;
}

/** One answer: status and body text. */
export interface NodeHttpAnswer {
  readonly status: number;
  readonly text: string;
}

/** A keep-alive pool for one origin; `close()` destroys its sockets. */
export class NodeHttpPool {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly transport: typeof import("node:http") | typeof import("node:https");

  constructor(origin: string, tls: NodeHttpTls) {
    this.url = new URL(origin);
    /* eslint-disable @typescript-eslint/no-require-imports */
    if (this.url.protocol === "https:") {
      const https = require("node:https") as typeof import("node:https");
      this.transport = https;
      this.agent = new https.Agent({ keepAlive: true, rejectUnauthorized: tls.rejectUnauthorized, ...(tls.ca === undefined ? {} : { ca: tls.ca }) });
    } else {
      const http = require("node:http") as typeof import("node:http");
      this.transport = http;
      this.agent = new http.Agent({ keepAlive: true });
    }
    /* eslint-enable @typescript-eslint/no-require-imports */
  }

  /** Sends one request; rejects with Node's error (e.g. `connect ECONNREFUSED ...`) or the signal's reason. */
  request(method: string, path: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<NodeHttpAnswer> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const req = this.transport.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname.replace(/^\[|\]$/g, ""),
          port: this.url.port,
          method,
          path,
          headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
          agent: this.agent,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            signal.removeEventListener("abort", onAbort);
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
          });
          res.on("error", fail);
          // a body cut off without an error event (settles nothing when "end" came first)
          res.on("close", () => {
            if (!res.complete) fail(new Error("the connection closed before the whole answer arrived"));
          });
        },
      );
      const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      function fail(error: Error) {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      }
      signal.addEventListener("abort", onAbort, { once: true });
      req.on("error", fail);
      req.end(body);
    });
  }

  /** Destroys every socket of the pool, so that none keeps the process alive. */
  close(): void {
    this.agent.destroy();
  }
}
