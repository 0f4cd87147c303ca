/**
 * Test harness for the data plane: an in-memory ConfigSource, a proxy listener whose handler is dataPlane.handle,
 * and a small client that counts which backend answered.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, request } from "undici";
import type { ConfigSource, GatewayConfig, ConfigObject } from "../../lib/gateway/config-snapshot";
import { createDataPlane, type DataPlane } from "../../lib/gateway/data-plane";
import type { Flavor } from "../../lib/model/gateway-request";

export type Objects = Record<string, Record<string, unknown>>;

/** A mutable config source; `set` bumps the version. */
export class MemorySource implements ConfigSource {
  private config: GatewayConfig;

  constructor(flavor: Flavor = "apisix") {
    this.config = { flavor, version: 1, routes: new Map(), services: new Map(), upstreams: new Map() };
  }

  current(): GatewayConfig {
    return this.config;
  }

  set(parts: { routes?: Objects; services?: Objects; upstreams?: Objects }): void {
    const toMap = (objs: Objects | undefined) =>
      new Map<string, ConfigObject>(Object.entries(objs ?? {}).map(([id, v]) => [id, { ...v, id } as ConfigObject]));
    this.config = {
      flavor: this.config.flavor,
      version: this.config.version + 1,
      routes: toMap(parts.routes),
      services: toMap(parts.services),
      upstreams: toMap(parts.upstreams),
    };
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json?: { backend?: string; headers?: Record<string, string>; path?: string };
}

/** A running gateway over a MemorySource. */
export class Gateway {
  readonly source: MemorySource;
  readonly dataPlane: DataPlane;
  private server!: Server;
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });
  port = 0;

  constructor(flavor: Flavor = "apisix") {
    this.source = new MemorySource(flavor);
    this.dataPlane = createDataPlane(this.source);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.dataPlane.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    const res = await request(`http://127.0.0.1:${this.port}${path}`, {
      method: (init.method ?? "GET") as "GET",
      headers: init.headers,
      body: init.body,
      dispatcher: this.agent,
    });
    const text = await res.body.text();
    let json: Answer["json"];
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  }

  /** Sends `n` requests sequentially and counts answers by backend name (or status for errors). */
  async count(n: number, path: string, headers?: Record<string, string>): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const a = await this.send(path, { headers });
      const key = a.status === 200 && a.json?.backend ? a.json.backend : `status:${a.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    await this.dataPlane.close();
    await this.agent.close();
  }
}

/** `{ "127.0.0.1:port": weight }` */
export function nodesOf(port: number, weight = 1): Record<string, number> {
  return { [`127.0.0.1:${port}`]: weight };
}
