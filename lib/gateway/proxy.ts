/**
 * Forwards one client request to one upstream node with undici: a keep-alive `Pool` per origin (closed when no
 * longer referenced), streamed bodies, http/https, pass_host, hop-by-hop stripping, X-Forwarded-* headers,
 * connect/read timeouts, retries on connection failures, and nginx-like 502/504 pages. Never throws.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { Readable } from "node:stream";
import type { Dispatcher, Pool } from "undici";
import type { VarLookup } from "../expr/vars";
import { createPeerPool, peerAddress } from "./peer-pool";
import type { CompiledUpstream, Timeouts, CompiledNode } from "./upstream-resolver";

/** What one request did upstream, filled in by `Proxy.forward` for the prometheus plugin. */
export interface UpstreamReport {
  /** The IP of the node tried last (the connected socket's, or the one a failed connect tried); "" when none. */
  node: string;
  /** Nodes tried. */
  tries: number;
  /** Time spent on all tries, from sending the request to the last byte of the answer, ms. */
  upstreamMs: number;
  /** True when a node answered with a status line and headers. */
  answered: boolean;
}

/** Everything needed to forward one request. */
export interface ForwardRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly upstream: CompiledUpstream;
  readonly timeout: Timeouts;
  /** The path + query to send upstream. */
  readonly path: string;
  readonly remoteAddr: string;
  readonly clientScheme: "http" | "https";
  /** Lower-cased host without port (nginx `$host`), for X-Forwarded-Host. */
  readonly host: string | undefined;
  /** A buffered request body (when it had to be read for `post_arg_*`); else the request is streamed. */
  readonly body?: Buffer;
  /** Extra response headers (e.g. debugging). */
  readonly responseHeaders?: Readonly<Record<string, string>>;
  /** The request's variables (chash keys). */
  readonly vars: VarLookup;
  /** How many other nodes to try after a connection failure. */
  readonly retries: number;
  /** Filled in with the nodes tried and the time spent on them, when given. */
  readonly report?: UpstreamReport;
}

const HOP_BY_HOP = new Set([
  "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
  "trailers", "transfer-encoding", "upgrade", "expect", "host", "x-forwarded-for", "x-forwarded-proto",
  "x-forwarded-host", "x-forwarded-port", "x-real-ip",
]);
const RESPONSE_DROP = new Set([
  "connection", "keep-alive", "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade", "server",
]);
const CONNECT_ERRORS = new Set([
  "ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNRESET",
  "UND_ERR_SOCKET",
]);
const TIMEOUT_ERRORS = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

const STATUS_TEXT: Record<number, string> = {
  404: "404 Not Found",
  413: "413 Request Entity Too Large",
  500: "500 Internal Server Error",
  502: "502 Bad Gateway",
  503: "503 Service Temporarily Unavailable",
  504: "504 Gateway Time-out",
};

/** nginx's default error page for a status. */
export function nginxErrorPage(status: number): string {
  const title = STATUS_TEXT[status] ?? `${status}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n`;
}

/** Sends an error answer unless headers are already out (then the connection is cut). */
export function sendError(
  res: ServerResponse,
  status: number,
  options: { body?: string; contentType?: string; headers?: Readonly<Record<string, string>> } = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.writableEnded || res.destroyed) return;
  const body = options.body ?? nginxErrorPage(status);
  res.writeHead(status, {
    ...options.headers,
    "content-type": options.contentType ?? "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    server: "APISIX",
  });
  res.end(body);
}

interface PoolEntry {
  readonly origin: string;
  readonly pool: Pool;
}

/** The proxy with its connection pools. */
export class Proxy {
  private readonly pools = new Map<string, PoolEntry>();

  /** Forwards the request; resolves when the answer is complete or abandoned. Never rejects. */
  async forward(request: ForwardRequest): Promise<void> {
    const { upstream, res } = request;
    const tried = new Set<CompiledNode>();
    for (let attempt = 0; ; attempt++) {
      let node = upstream.pick(request.vars);
      for (let i = 0; node && tried.has(node) && i < upstream.nodes.length; i++) node = upstream.pick(request.vars);
      if (node && tried.has(node)) node = upstream.nodes.find((n) => !tried.has(n)) ?? node;
      if (!node) {
        sendError(res, 503, { headers: { "x-bluegreen-error": "no valid upstream node" } });
        return;
      }
      tried.add(node);
      const outcome = await this.attempt(request, node);
      if (outcome === "done") return;
      const canRetry =
        outcome.retryable && attempt < request.retries && tried.size < upstream.nodes.length && !res.headersSent;
      if (!canRetry) {
        sendError(res, outcome.status, { headers: request.responseHeaders });
        return;
      }
    }
  }

  /** Closes pools whose origin is not in `keep` (in-flight requests on them complete first). */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const [key, entry] of this.pools) {
      if (!keep.has(entry.origin)) {
        this.pools.delete(key);
        entry.pool.close().catch(() => undefined);
      }
    }
  }

  /** Closes every pool. */
  async close(): Promise<void> {
    const entries = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(entries.map((e) => e.pool.destroy().catch(() => undefined)));
  }

  private poolFor(upstream: CompiledUpstream, node: CompiledNode, timeout: Timeouts): Pool {
    const origin = originOf(upstream.scheme, node);
    const verify = upstream.scheme === "https" && upstream.tlsVerify;
    const key = `${origin}|${timeout.connect}|${verify ? 1 : 0}`;
    let entry = this.pools.get(key);
    if (!entry) {
      const pool = createPeerPool(origin, {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 60_000,
        connect: { timeout: timeout.connect, rejectUnauthorized: verify },
      });
      pool.on("connectionError", () => undefined);
      entry = { origin, pool };
      this.pools.set(key, entry);
    }
    return entry.pool;
  }

  private async attempt(
    request: ForwardRequest,
    node: CompiledNode,
  ): Promise<"done" | { status: number; retryable: boolean }> {
    const { req, res, upstream, timeout } = request;
    const pool = this.poolFor(upstream, node, timeout);
    const streamBody = request.body === undefined && hasBody(req);
    const report = request.report;
    const started = report ? performance.now() : 0;
    const options: Dispatcher.RequestOptions = {
      path: request.path,
      method: (req.method ?? "GET") as Dispatcher.HttpMethod,
      headers: buildHeaders(request, node),
      body: request.body ?? (streamBody ? req : null),
      headersTimeout: timeout.read,
      bodyTimeout: timeout.read,
    };
    let answer: Dispatcher.ResponseData;
    try {
      answer = await pool.request(options);
    } catch (err) {
      if (report) {
        report.tries += 1;
        report.upstreamMs += performance.now() - started;
        report.node = triedAddress(err, node);
      }
      if (res.destroyed || res.writableEnded) return "done";
      const code = (err as { code?: string }).code ?? "";
      const status = TIMEOUT_ERRORS.has(code) ? 504 : 502;
      // A streamed request body is consumed by the first attempt; only body-less requests are retried.
      return { status, retryable: CONNECT_ERRORS.has(code) && !streamBody };
    }
    const body = answer.body;
    if (report) {
      report.tries += 1;
      report.node = peerAddress(options) ?? (isIP(node.host) ? node.host : "");
      report.answered = true;
      // Until the last byte of the answer is read (nginx's $upstream_response_time), before the response closes.
      let timed = false;
      const stop = () => {
        if (!timed) report.upstreamMs += performance.now() - started;
        timed = true;
      };
      body.once("end", stop).once("error", stop).once("close", stop);
    }
    if (res.destroyed || res.writableEnded) {
      body.on("error", noop);
      body.destroy();
      return "done";
    }
    res.writeHead(answer.statusCode, responseHeaders(answer.headers, request.responseHeaders));
    await relay(body, res);
    return "done";
  }
}

const noop = (): void => undefined;

/** The address a failed try went to: the one a refused/reset connect names, else the node's IP; "" if unresolved. */
function triedAddress(err: unknown, node: CompiledNode): string {
  const { address, errors } = err as { address?: unknown; errors?: readonly { address?: unknown }[] };
  if (typeof address === "string") return address;
  const last = errors?.[errors.length - 1]?.address; // autoSelectFamily reports every address it tried
  if (typeof last === "string") return last;
  return isIP(node.host) ? node.host : "";
}

/** Pipes the upstream body to the client; a failure on either side tears down the other. Never rejects. */
function relay(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      resolve();
    };
    body.on("error", () => {
      res.destroy(); // headers are out: cut the connection like nginx does on a broken upstream
      settle();
    });
    res.on("close", () => {
      if (!res.writableFinished) body.destroy();
      settle();
    });
    res.on("finish", settle);
    body.pipe(res);
  });
}

/** `http://host:port` with IPv6 brackets. */
export function originOf(scheme: string, node: CompiledNode): string {
  const host = node.host.includes(":") ? `[${node.host}]` : node.host;
  return `${scheme}://${host}:${node.port}`;
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers["content-length"];
  if (len !== undefined) return len !== "0";
  return req.headers["transfer-encoding"] !== undefined;
}

function upstreamHostHeader(request: ForwardRequest, node: CompiledNode): string {
  const { upstream, req } = request;
  if (upstream.passHost === "rewrite" && upstream.upstreamHost) return upstream.upstreamHost;
  if (upstream.passHost === "pass" && req.headers.host) return req.headers.host;
  const host = node.host.includes(":") ? `[${node.host}]` : node.host;
  const defaultPort = upstream.scheme === "https" ? 443 : 80;
  return node.port === defaultPort ? host : `${host}:${node.port}`;
}

function buildHeaders(request: ForwardRequest, node: CompiledNode): string[] {
  const { req } = request;
  const raw = req.rawHeaders;
  const out: string[] = ["host", upstreamHostHeader(request, node)];
  let connectionTokens: Set<string> | undefined;
  const connection = req.headers.connection;
  if (connection && connection.includes(",")) {
    connectionTokens = new Set(connection.split(",").map((t) => t.trim().toLowerCase()));
  } else if (connection) {
    connectionTokens = new Set([connection.trim().toLowerCase()]);
  }
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || connectionTokens?.has(name)) continue;
    if (request.body !== undefined && name === "content-length") continue;
    out.push(raw[i], raw[i + 1]);
  }
  if (request.body !== undefined) out.push("content-length", String(request.body.length));
  const prior = req.headers["x-forwarded-for"];
  out.push("x-real-ip", request.remoteAddr);
  out.push("x-forwarded-for", prior ? `${prior}, ${request.remoteAddr}` : request.remoteAddr);
  out.push("x-forwarded-proto", firstHeader(req.headers["x-forwarded-proto"]) ?? request.clientScheme);
  const fwdHost = firstHeader(req.headers["x-forwarded-host"]) ?? request.host;
  if (fwdHost) out.push("x-forwarded-host", fwdHost);
  const port = firstHeader(req.headers["x-forwarded-port"]) ?? (req.socket?.localPort !== undefined ? String(req.socket.localPort) : undefined);
  if (port) out.push("x-forwarded-port", port);
  return out;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function responseHeaders(
  headers: Record<string, string | string[] | undefined>,
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connection = headers.connection;
  const tokens = typeof connection === "string" ? connection.split(",").map((t) => t.trim().toLowerCase()) : [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || RESPONSE_DROP.has(name) || tokens.includes(name)) continue;
    out[name] = value;
  }
  out.server = "APISIX";
  if (extra) Object.assign(out, extra);
  return out;
}
