/**
 * Request variables as APISIX's `ctx.var` exposes them to `vars` expressions: `arg_*`, `http_*`, `cookie_*`,
 * `post_arg_*`, APISIX variables (`route_id`, ...) and the nginx variables a blue-green rule plausibly uses.
 * Everything is computed lazily and at most once per request.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { VarLookup } from "./vars";

/** Route/service identity, filled in by the data plane once a route matched (nil before, as in APISIX). */
export interface RequestVarsContext {
  routeId?: string;
  routeName?: string;
  serviceId?: string;
  serviceName?: string;
}

export interface RequestVarsOptions {
  /** The client address (nginx `$remote_addr`). */
  readonly remoteAddr: string;
  /** The buffered request body, when the caller read it (needed for `post_arg_*`). */
  readonly body?: Buffer;
  /** Mutable route/service identity, read at lookup time. */
  readonly context?: RequestVarsContext;
}

type ArgMap = Map<string, string | true>;

/** Creates the variable lookup for one request. */
export function createRequestVars(req: IncomingMessage, options: RequestVarsOptions): VarLookup {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawArgs = q < 0 ? undefined : url.slice(q + 1);
  let uriCache: string | undefined;
  let args: ArgMap | undefined;
  let headers: Map<string, string> | undefined;
  let cookies: Map<string, string> | undefined;
  let postArgs: ArgMap | null | undefined;

  const plain = (name: string): unknown => {
    switch (name) {
      case "uri":
        return (uriCache ??= normalizeUri(rawPath));
      case "request_uri":
        return url;
      case "host":
        return hostOf(req);
      case "http_host":
        return req.headers.host;
      case "remote_addr":
        return options.remoteAddr;
      case "remote_port":
        return req.socket?.remotePort !== undefined ? String(req.socket.remotePort) : undefined;
      case "request_method":
      case "method":
        return req.method;
      case "scheme":
        return isTls(req) ? "https" : "http";
      case "server_port":
        return req.socket?.localPort !== undefined ? String(req.socket.localPort) : undefined;
      case "server_addr":
        return req.socket?.localAddress;
      case "args":
      case "query_string":
        return rawArgs;
      case "is_args":
        return rawArgs === undefined ? "" : "?";
      case "server_protocol":
        return `HTTP/${req.httpVersion}`;
      case "content_type":
        return req.headers["content-type"];
      case "content_length":
        return req.headers["content-length"];
      case "route_id":
        return options.context?.routeId;
      case "route_name":
        return options.context?.routeName;
      case "service_id":
        return options.context?.serviceId;
      case "service_name":
        return options.context?.serviceName;
      default:
        return undefined;
    }
  };

  return (name: string): unknown => {
    if (name.startsWith("arg_")) {
      args ??= parseArgs(rawArgs);
      return args.get(name.slice(4));
    }
    if (name.startsWith("http_")) {
      headers ??= headerMap(req);
      return headers.get(normalizeHeaderName(name.slice(5)));
    }
    if (name.startsWith("cookie_")) {
      cookies ??= parseCookies(req.headers.cookie);
      return cookies.get(name.slice(7));
    }
    if (name.startsWith("post_arg_")) {
      if (postArgs === undefined) postArgs = isForm(req) && options.body ? parseArgs(options.body.toString("latin1")) : null;
      return postArgs?.get(name.slice(9));
    }
    return plain(name);
  };
}

/** Lower-cases and maps `-` to `_`, the way nginx compares `$http_*` names. */
export function normalizeHeaderName(name: string): string {
  return name.toLowerCase().replace(/-/g, "_");
}

function headerMap(req: IncomingMessage): Map<string, string> {
  const map = new Map<string, string>();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = normalizeHeaderName(raw[i]);
    const prev = map.get(key);
    if (prev === undefined) map.set(key, raw[i + 1]);
    else map.set(key, key === "cookie" ? `${prev}; ${raw[i + 1]}` : `${prev}, ${raw[i + 1]}`);
  }
  return map;
}

/** nginx `$host`: Host header without port, lower-cased. */
export function hostOf(req: IncomingMessage): string | undefined {
  const h = req.headers.host;
  if (!h) return undefined;
  return stripPort(h).toLowerCase();
}

/** Removes a `:port` suffix from a Host value (IPv6 literals in brackets are kept intact). */
export function stripPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

function isTls(req: IncomingMessage): boolean {
  return Boolean((req.socket as TLSSocket | undefined)?.encrypted);
}

function isForm(req: IncomingMessage): boolean {
  const ct = req.headers["content-type"];
  if (!ct) return false;
  return ct.split(";")[0].trim().toLowerCase() === "application/x-www-form-urlencoded";
}

/** ngx.req.get_uri_args / get_post_args: decoded names and values, first value wins, valueless → true. */
export function parseArgs(text: string | undefined): ArgMap {
  const map: ArgMap = new Map();
  if (!text) return map;
  let count = 0;
  for (const part of text.split("&")) {
    if (part === "") continue;
    if (++count > 100) break;
    const eq = part.indexOf("=");
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    if (key === "" || map.has(key)) continue;
    map.set(key, eq < 0 ? true : decodeComponent(part.slice(eq + 1)));
  }
  return map;
}

function decodeComponent(text: string): string {
  const s = text.includes("+") ? text.replace(/\+/g, " ") : text;
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

function parseCookies(header: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!header) return map;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    if (key && !map.has(key)) map.set(key, part.slice(eq + 1).trim());
  }
  return map;
}

/** nginx `$uri`: percent-decoded path, duplicate slashes merged, `.`/`..` segments resolved. */
export function normalizeUri(rawPath: string): string {
  let path = rawPath;
  if (path.includes("%")) {
    try {
      path = decodeURIComponent(path);
    } catch {
      path = path.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  }
  if (!path.startsWith("/")) path = "/" + path;
  if (!path.includes("//") && !path.includes("/.")) return path;
  const out: string[] = [];
  const segments = path.split("/");
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (seg === "" && !last) continue;
    if (seg === ".") {
      if (last) out.push("");
      continue;
    }
    if (seg === "..") {
      out.pop();
      if (last) out.push("");
      continue;
    }
    out.push(seg);
  }
  return "/" + out.join("/");
}
