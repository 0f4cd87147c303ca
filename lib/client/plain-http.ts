/**
 * HTTP/1.1 over plain TCP (`node:net`) for the `http://` origins of node-http.ts's pool: keep-alive connections per
 * origin, one request at a time on each, answers parsed by http-parser-js (the pure-JavaScript port of the parser Node
 * itself used before llhttp). Why not `node:http`: loading it and building its first request cost every hook ~10 ms
 * and ~0.4 MB of young objects in a process that sends three small requests and exits; `node:net` alone
 * costs a third of that. `https://` origins still use `node:https`, which TLS needs anyway.
 *
 * It does what the pool's callers rely on from `node:http`: the same connection errors (they come from `node:net`),
 * header names and values checked before anything is sent (no header can inject another), `Content-Length` framed
 * request bodies, answers framed by `Content-Length`, chunked encoding or the end of the connection, informational
 * (1xx) answers skipped, `Connection: close` honoured, idle connections that neither keep the process alive nor
 * throw when the server closes them.
 */
import { connect, type Socket } from "node:net";
import { HTTPParser } from "http-parser-js";
import type { NodeHttpAnswer, NodeHttpRequest } from "./node-http";

/** How much of a body nobody reads is drained before its connection is closed instead. */
export const DRAIN_LIMIT_BYTES = 65_536;

/** What a request whose answer stopped after its headers and part of its body rejects with. */
export const CUT_OFF_MESSAGE = "the connection closed before the whole answer arrived";

/** The host to connect to: the URL's hostname without an IPv6 address's brackets. */
export function hostnameOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** The error an aborted request rejects with: the signal's reason. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}

/** RFC 9110 token (header names) and field value characters: what Node's `http` accepts. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
/** Methods whose empty body Node's `http` sends as `Content-Length: 0` (the others send no length). */
const NO_BODY_METHODS = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

/** Keep-alive connections to `http://` origins; `close()` destroys them all. */
export class PlainHttpPool {
  private readonly idle = new Map<string, Socket[]>();
  private readonly sockets = new Set<Socket>();

  /** Sends one request to the `http:` origin `url`; rejects with the connection's error or the signal's reason. */
  request(url: URL, req: NodeHttpRequest): Promise<NodeHttpAnswer> {
    return new Promise((resolve, reject) => {
      const { signal } = req;
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let head: string;
      try {
        head = requestHead(url.host, req);
      } catch (error) {
        reject(error);
        return;
      }
      const key = url.host;
      const socket = this.takeIdle(key) ?? this.open(url);
      const parser = new HTTPParser(HTTPParser.RESPONSE);
      let answer: { status: number; headers: NodeHttpAnswer["headers"] } | undefined;
      let informational = false;
      let keepAlive = false;
      let complete = false;
      let settled = false;
      let bodyBytes = 0;
      const chunks: Buffer[] = [];
      const readBody = req.readBody !== false;

      const detach = () => {
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("error", fail);
        socket.off("close", onClose);
        signal.removeEventListener("abort", onAbort);
      };
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        return true;
      };
      function fail(error: Error) {
        detach();
        socket.destroy();
        if (settle()) reject(error);
      }
      const onAbort = () => fail(abortError(signal));
      const onData = (chunk: Buffer) => {
        const result = parser.execute(chunk);
        if (result instanceof Error) fail(new Error(`the answer is not valid HTTP/1.1: ${result.message}`));
      };
      // the server closed its side: an answer framed by the connection's end is now complete, any other is cut off
      const onEnd = () => {
        if (!complete) parser.finish();
        if (!complete) fail(cutOff(answer !== undefined));
      };
      /** More answer than was asked for, after the answer (in the same bytes): this connection cannot be reused. */
      const afterComplete = (): boolean => {
        if (complete) socket.destroy();
        return complete;
      };
      const onClose = () => {
        if (!complete) fail(cutOff(answer !== undefined));
      };

      parser[HTTPParser.kOnHeadersComplete] = (info) => {
        if (afterComplete()) return undefined;
        informational = info.statusCode >= 100 && info.statusCode < 200 && info.statusCode !== 101;
        if (informational) return undefined;
        answer = { status: info.statusCode, headers: headersOf(info.headers) };
        keepAlive = info.shouldKeepAlive;
        if (!readBody && settle()) resolve({ ...answer, text: "" });
        // an answer to HEAD has no body, whatever its headers announce
        return req.method === "HEAD" ? 1 : undefined;
      };
      parser[HTTPParser.kOnBody] = (chunk: Buffer, offset: number, length: number) => {
        if (afterComplete()) return;
        bodyBytes += length;
        if (readBody) chunks.push(chunk.subarray(offset, offset + length));
        else if (bodyBytes > DRAIN_LIMIT_BYTES) fail(new Error("body not read"));
      };
      parser[HTTPParser.kOnMessageComplete] = () => {
        if (informational) {
          informational = false;
          return;
        }
        if (answer === undefined || afterComplete()) return;
        complete = true;
        detach();
        if (keepAlive && !socket.destroyed) this.putIdle(key, socket);
        else socket.destroy();
        if (settle()) resolve({ ...answer, text: Buffer.concat(chunks).toString("utf8") });
      };

      socket.on("data", onData);
      socket.on("end", onEnd);
      socket.on("error", fail);
      socket.on("close", onClose);
      signal.addEventListener("abort", onAbort, { once: true });
      // the head in Latin-1 as Node's http writes it, the body in UTF-8, in one write
      const headBytes = Buffer.from(head, "latin1");
      socket.write(req.body === undefined ? headBytes : Buffer.concat([headBytes, Buffer.from(req.body, "utf8")]));
    });
  }

  /** Destroys every connection (idle or busy), so that none keeps the process alive. */
  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.idle.clear();
  }

  private open(url: URL): Socket {
    const socket = connect({ host: hostnameOf(url), port: Number(url.port || 80), noDelay: true });
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.dropIdle(url.host, socket);
    });
    return socket;
  }

  private takeIdle(key: string): Socket | undefined {
    const list = this.idle.get(key);
    while (list !== undefined && list.length > 0) {
      const socket = list.pop()!;
      socket.off("error", ignore);
      socket.off("data", onIdleData);
      if (socket.destroyed) continue;
      socket.ref();
      return socket;
    }
    return undefined;
  }

  /** An idle connection neither keeps the process alive nor throws when the server closes it. */
  private putIdle(key: string, socket: Socket): void {
    socket.unref();
    socket.on("error", ignore);
    socket.on("data", onIdleData);
    const list = this.idle.get(key);
    if (list === undefined) this.idle.set(key, [socket]);
    else list.push(socket);
  }

  private dropIdle(key: string, socket: Socket): void {
    const list = this.idle.get(key);
    const at = list?.indexOf(socket) ?? -1;
    if (at >= 0) list!.splice(at, 1);
  }
}

function ignore(): void {
  // an idle connection's error: the connection closes and leaves the pool
}

/** Bytes on a connection that awaits no answer: the server is not speaking HTTP/1.1 as we are; stop using it. */
function onIdleData(this: Socket): void {
  this.destroy();
}

/** The request line and headers, checked as Node's `http` checks them (a bad one throws before anything is sent). */
function requestHead(host: string, req: NodeHttpRequest): string {
  if (!HEADER_NAME.test(req.method)) throw new TypeError(`invalid HTTP method ${JSON.stringify(req.method)}`);
  if (/[^\x21-\xff]/.test(req.path)) throw new TypeError("the request path contains unescaped characters");
  let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
  const given = new Set<string>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    // the value may be a secret: the message names the header only
    if (INVALID_VALUE_CHAR.test(value)) throw new TypeError(`invalid character in the value of header ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
    given.add(name.toLowerCase());
  }
  // a Host or Connection header of the caller's replaces the default (a probe's Host rewrite)
  if (!given.has("host")) head += `host: ${host}\r\n`;
  if (!given.has("connection")) head += "connection: keep-alive\r\n";
  if (req.body !== undefined) head += `content-length: ${Buffer.byteLength(req.body)}\r\n`;
  else if (!NO_BODY_METHODS.has(req.method)) head += "content-length: 0\r\n";
  return `${head}\r\n`;
}

/** Lower-case names; a repeated header's values joined with ", " (`set-cookie`: a list), as Node's `http` gives them. */
function headersOf(raw: string[]): NodeHttpAnswer["headers"] {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    const prior = headers[name];
    if (name === "set-cookie") headers[name] = prior === undefined ? [value] : [...(prior as string[]), value];
    else headers[name] = prior === undefined ? value : `${prior as string}, ${value}`;
  }
  return headers;
}

/** The error of a connection closed before its answer was whole (Node's `http` says "socket hang up" before headers). */
function cutOff(hadHeaders: boolean): Error {
  return hadHeaders
    ? new Error(CUT_OFF_MESSAGE)
    : Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
}
