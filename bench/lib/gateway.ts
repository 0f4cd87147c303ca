/**
 * The embedded gateway for benchmarks: in a child process (`bluegreen gateway`, so that the load generator and the
 * gateway run on different cores and its RSS can be read), or in-process via `startGateway` from `dist/lib/gateway`.
 */
import path from "node:path";
import { request } from "undici";
import type { Flavor } from "../../lib";
import { REPO_ROOT, rssOf, startServer, type Server } from "./proc";

/** The admin key every bench gateway uses (loopback only; passed to hooks as GATEWAY_ADMIN_KEY). */
export const ADMIN_KEY = "bench-admin-key-0c4f1e";

export interface RunningGateway {
  readonly adminUrl: string;
  readonly proxyUrl: string;
  /** Child pid, or this process for in-process gateways. */
  readonly pid: number;
  rss(): number;
  close(): Promise<void>;
}

export const CLI_JS = path.join(REPO_ROOT, "dist", "lib", "cli", "bluegreen.js");

/** Finds the admin and proxy URLs in whatever the gateway's ready output looks like. */
export function parseReady(text: string): { adminUrl: string; proxyUrl: string } | undefined {
  const urls: Array<{ url: string; context: string }> = [];
  const re = /https?:\/\/[^\s"',;)]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    urls.push({ url: m[0].replace(/\/+$/, ""), context: text.slice(Math.max(0, m.index - 40), m.index).toLowerCase() });
  }
  if (urls.length < 2) return undefined;
  const lastWord = (ctx: string) => {
    const a = ctx.lastIndexOf("admin");
    const p = ctx.lastIndexOf("proxy");
    return a > p ? "admin" : p > a ? "proxy" : undefined;
  };
  const admin = urls.find((u) => lastWord(u.context) === "admin");
  const proxy = urls.find((u) => lastWord(u.context) === "proxy");
  if (admin && proxy) return { adminUrl: admin.url, proxyUrl: proxy.url };
  return undefined;
}

/** `node dist/lib/cli/bluegreen.js gateway --admin-port 0 --proxy-port 0`, the key in GATEWAY_ADMIN_KEY (not in ps) */
export async function startGatewayProcess(adminKey: string, flavor: Flavor = "apisix"): Promise<RunningGateway> {
  const args = [CLI_JS, "gateway", "--admin-port", "0", "--proxy-port", "0"];
  if (flavor !== "apisix") args.push("--flavor", flavor);
  // Ready when both URLs have been printed (any layout: one line or two, text or JSON).
  const server: Server = await startServer(process.execPath, args, /(https?:\/\/\S+)[\s\S]*(https?:\/\/\S+)[^\n]*\n/, {
    env: { ...process.env, GATEWAY_ADMIN_KEY: adminKey },
    timeoutMs: 20_000,
  });
  const urls = parseReady(server.output());
  if (!urls) {
    await server.stop();
    throw new Error(`could not find admin/proxy URLs in the gateway's ready output: ${server.output().slice(0, 500)}`);
  }
  return { ...urls, pid: server.pid, rss: () => server.rss(), close: () => server.stop() };
}

interface GatewayModule {
  startGateway(opts: {
    adminPort: number;
    proxyPort: number;
    adminKey: string;
    flavor?: Flavor;
    stateFile?: string;
  }): Promise<{ adminUrl: string; proxyUrl: string; close(): Promise<void> }>;
}

/** `startGateway` from `dist/lib/gateway`, in this process. */
export async function startGatewayInProcess(adminKey: string, flavor: Flavor = "apisix"): Promise<RunningGateway> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(REPO_ROOT, "dist", "lib", "gateway")) as GatewayModule;
  const gw = await mod.startGateway({ adminPort: 0, proxyPort: 0, adminKey, flavor });
  return { adminUrl: gw.adminUrl, proxyUrl: gw.proxyUrl, pid: process.pid, rss: () => rssOf(process.pid), close: () => gw.close() };
}

/** One Admin API call; throws unless 2xx. */
export async function admin(
  adminUrl: string,
  key: string,
  method: "GET" | "PUT" | "DELETE",
  apiPath: string,
  body?: unknown,
): Promise<unknown> {
  const res = await request(adminUrl + apiPath, {
    method,
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new Error(`${method} ${apiPath} -> ${res.statusCode}: ${text.slice(0, 300)}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** GET through the proxy; returns status and the `X-Backend` header. */
export async function probe(url: string, headers: Record<string, string> = {}): Promise<{ status: number; backend?: string }> {
  const res = await request(url, { method: "GET", headers });
  await res.body.dump();
  const b = res.headers["x-backend"];
  return { status: res.statusCode, backend: typeof b === "string" ? b : undefined };
}

/** A gateway for a bench: a child process if the `gateway` command works, else in this process. */
export async function startBenchGateway(adminKey: string, flavor: Flavor = "apisix"): Promise<RunningGateway & { mode: string }> {
  try {
    return { ...(await startGatewayProcess(adminKey, flavor)), mode: "child process" };
  } catch (childErr) {
    try {
      return { ...(await startGatewayInProcess(adminKey, flavor)), mode: "in-process" };
    } catch (inErr) {
      throw new Error(
        `embedded gateway unavailable: child: ${(childErr as Error).message.split("\n")[0]}; in-process: ${(inErr as Error).message.split("\n")[0]}`,
      );
    }
  }
}
