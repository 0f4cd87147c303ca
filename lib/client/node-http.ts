/**
 * The package's one HTTP client: keep-alive connection pools, used by the Admin API client, the health gate, and a
 * release's checks and analysis reads. `http://` origins go over `node:net` (plain-http.ts), `https://` origins over
 * `node:https`. Built in, it costs the hook little to load; undici costs ~20 ms to load and, at the first request,
 * compiles its WebAssembly HTTP parser, whose background optimisation Node waits for before the process may exit
 * (~100 ms more on a 2-core machine). The hook sends three requests per object and exits, so the bundled hook carries
 * no undici at all.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { defaultTrustCa } from "./default-trust";
import { abortError, CUT_OFF_MESSAGE, DRAIN_LIMIT_BYTES, hostnameOf, PlainHttpPool } from "./plain-http";

/** TLS settings of `https://` origins. */
export interface NodeHttpTls {
  /** Verify the server's certificate (the opposite of `curl -k`). */
  readonly rejectUnauthorized: boolean;
  /** PEM text of the CA to trust instead of Node's bundled roots (and `NODE_EXTRA_CA_CERTS`; see default-trust.ts). */
  readonly ca?: string;
}

/** One request. */
export interface NodeHttpRequest {
  /** `http://host:port` or `https://host:port` (an IPv6 host in brackets). */
  readonly origin: string;
  readonly method: string;
  /** Sent as is, query included. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Aborts the request; the promise then rejects with the signal's reason. */
  readonly signal: AbortSignal;
  /**
   * `false`: only the status and headers matter. The answer resolves as soon as they arrive, with an empty `text`;
   * up to 64 KB of the body is read and dropped (so the connection can serve the next request), a longer body
   * closes the connection.
   */
  readonly readBody?: boolean;
}

/** One answer: status, headers (lower-case names) and body text. */
export interface NodeHttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** Keep-alive pools (one per protocol, any number of origins); `close()` destroys their sockets. */
export class NodeHttpPool {
  private readonly tls: NodeHttpTls;
  private http?: PlainHttpPool;
  private https?: { readonly module: typeof import("node:https"); readonly agent: HttpsAgent };

  constructor(tls: NodeHttpTls = { rejectUnauthorized: true }) {
    this.tls = tls;
  }

  /** Sends one request; rejects with Node's error (e.g. `connect ECONNREFUSED ...`) or the signal's reason. */
  request(req: NodeHttpRequest): Promise<NodeHttpAnswer> {
    let url: URL;
    try {
      url = new URL(req.origin);
    } catch (error) {
      return Promise.reject(error);
    }
    if (url.protocol === "http:") return (this.http ??= new PlainHttpPool()).request(url, req);
    return this.httpsRequest(url, req);
  }

  private httpsRequest(url: URL, req: NodeHttpRequest): Promise<NodeHttpAnswer> {
    const { signal, body } = req;
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let transport: { readonly module: typeof import("node:https"); readonly agent: HttpsAgent };
      try {
        transport = this.httpsTransport(url.protocol);
      } catch (error) {
        reject(error);
        return;
      }
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        return true;
      };
      const fail = (error: Error) => {
        if (settle()) reject(error);
      };
      const request = transport.module.request(
        {
          protocol: url.protocol,
          hostname: hostnameOf(url),
          port: url.port,
          method: req.method,
          path: req.path,
          headers: body === undefined ? req.headers : { ...req.headers, "content-length": String(Buffer.byteLength(body)) },
          agent: transport.agent,
        },
        (res: IncomingMessage) => {
          const answer = { status: res.statusCode ?? 0, headers: res.headers };
          if (req.readBody === false) {
            if (settle()) resolve({ ...answer, text: "" });
            drain(res);
            return;
          }
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            if (settle()) resolve({ ...answer, text: Buffer.concat(chunks).toString("utf8") });
          });
          res.on("error", fail);
          // a body cut off without an error event (settles nothing when "end" came first)
          res.on("close", () => {
            if (!res.complete) fail(new Error(CUT_OFF_MESSAGE));
          });
        },
      );
      const onAbort = () => request.destroy(abortError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
      request.on("error", fail);
      request.end(body);
    });
  }

  /** Destroys every socket of the pools (idle or busy), so that none keeps the process alive. */
  close(): void {
    this.http?.close();
    this.https?.agent.destroy();
  }

  private httpsTransport(protocol: string): { readonly module: typeof import("node:https"); readonly agent: HttpsAgent } {
    if (protocol !== "https:") throw new Error(`unsupported protocol ${protocol} (expected http: or https:)`);
    if (this.https) return this.https;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const https = require("node:https") as typeof import("node:https");
    const { rejectUnauthorized } = this.tls;
    const ca = this.tls.ca ?? defaultTrustCa();
    this.https = { module: https, agent: new https.Agent({ keepAlive: true, rejectUnauthorized, ...(ca === undefined ? {} : { ca }) }) };
    return this.https;
  }
}

/** Reads and drops a body nobody needs, up to `DRAIN_LIMIT_BYTES`; past that, closes its connection. */
function drain(res: IncomingMessage): void {
  let bytes = 0;
  res.on("error", () => undefined);
  res.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > DRAIN_LIMIT_BYTES) res.destroy();
  });
}
