/**
 * Route matching order through the gateway PROCESS (real requests), as APISIX's default router
 * `radixtree_host_uri` has it (reference §7): routes with a host (their own `hosts`/`host`, else their service's)
 * are tried before host-less routes, whatever their `priority`; among host routes the exact host comes first, then
 * wildcard hosts from the longest to the shortest (`*` last); within one host (and among host-less routes) exact
 * paths come before prefixes, longer prefixes before shorter ones, then `priority`, then creation order. Every route
 * proxies to its own backend, so the `X-Backend` header names the route that matched.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { request } from "undici";
import { startBackend, type Backend } from "../helper/backends";
import { freePort, startGatewayProcess, type GatewayProcess, type GatewayProcessOptions } from "../helper/gateway-process";

jest.setTimeout(60_000);

const KEY = "route-Order-Admin-Key-31f9c4";
const backends = new Map<string, Backend>();
let tmp: string;
let gw: GatewayProcess | undefined;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "bg-route-order-"));
});

afterEach(async () => {
  await gw?.kill("SIGKILL");
  gw = undefined;
});

afterAll(async () => {
  await Promise.all([...backends.values()].map((b) => b.close()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

let started = 0;
async function start(opts?: GatewayProcessOptions): Promise<GatewayProcessOptions> {
  const options = opts ?? {
    adminPort: await freePort(),
    proxyPort: await freePort(),
    adminKey: KEY,
    stateFile: path.join(tmp, `state-${++started}.json`),
  };
  gw = await startGatewayProcess(options);
  return options;
}

async function admin(method: "PUT" | "GET", p: string, body?: unknown): Promise<number> {
  const res = await request(`${gw!.adminUrl}/apisix/admin${p}`, {
    method,
    headers: { "x-api-key": KEY, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.body.text();
  return res.statusCode;
}

/** PUTs each route (in order) with an upstream of its own: a backend named after the route id. */
async function putRoutes(routes: Record<string, Record<string, unknown>>): Promise<void> {
  for (const [id, route] of Object.entries(routes)) {
    let backend = backends.get(id);
    if (!backend) {
      backend = await startBackend(id);
      backends.set(id, backend);
    }
    const upstream = { type: "roundrobin", nodes: { [`${backend.host}:${backend.port}`]: 1 } };
    expect([id, await admin("PUT", `/routes/${id}`, { ...route, upstream })]).toEqual([id, 201]);
  }
}

/** The id of the route a request matched (its backend's name), or `status <code>`. */
async function matched(uri: string, host: string, method: "GET" | "POST" = "GET"): Promise<string> {
  const res = await request(gw!.proxyUrl + uri, { method, headers: { host } });
  await res.body.text();
  const backend = res.headers["x-backend"];
  return res.statusCode === 200 && typeof backend === "string" ? backend : `status ${res.statusCode}`;
}

test("a route whose host matches beats a host-less route for the same uri, whatever their priority", async () => {
  await start();
  await putRoutes({
    hostless: { uri: "/same", priority: 10 },
    withHost: { uri: "/same", hosts: ["shop.example"], priority: 0 },
  });
  expect(await matched("/same", "shop.example")).toBe("withHost");
  expect(await matched("/same", "other.example")).toBe("hostless");
});

test("host routes are tried first as a whole: a host route's prefix beats a host-less exact uri", async () => {
  await start();
  await putRoutes({
    exactHostless: { uri: "/api/orders", priority: 100 },
    prefixWithHost: { uri: "/api/*", host: "shop.example" },
  });
  expect(await matched("/api/orders", "shop.example")).toBe("prefixWithHost");
  expect(await matched("/api/orders", "other.example")).toBe("exactHostless");
});

test("a host route that does not match (method) lets the host-less routes have the request", async () => {
  await start();
  await putRoutes({
    hostless: { uri: "/m" },
    postOnly: { uri: "/m", hosts: ["shop.example"], methods: ["POST"], priority: 5 },
  });
  expect(await matched("/m", "shop.example", "POST")).toBe("postOnly");
  expect(await matched("/m", "shop.example", "GET")).toBe("hostless");
});

test("the exact host before wildcard hosts, a longer wildcard before a shorter one, `*` last; priority does not cross hosts", async () => {
  await start();
  await putRoutes({
    any: { uri: "/w", hosts: ["*"], priority: 300 },
    shortWild: { uri: "/w", hosts: ["*.shop.example"], priority: 200 },
    longWild: { uri: "/*", hosts: ["*.eu.shop.example"], priority: 100 },
    exactHost: { uri: "/*", hosts: ["api.eu.shop.example"], priority: 0 },
    hostless: { uri: "/w", priority: 1000 },
  });
  expect(await matched("/w", "api.eu.shop.example")).toBe("exactHost");
  expect(await matched("/w", "web.eu.shop.example")).toBe("longWild");
  expect(await matched("/w", "web.shop.example")).toBe("shortWild");
  expect(await matched("/w", "elsewhere.example")).toBe("any");
});

test("within one host: exact path, then longer prefix, then priority; the service's hosts make a host route", async () => {
  await start();
  expect(await admin("PUT", "/services/svc", { hosts: ["shop.example"] })).toBe(201);
  await putRoutes({
    hostless: { uri: "/p/x", priority: 100 },
    prefix: { uri: "/p/*", hosts: ["shop.example"], priority: 50 },
    longerPrefix: { uri: "/p/x/*", hosts: ["shop.example"], priority: 1 },
    exact: { uri: "/p/x", service_id: "svc", priority: 0 },
    exactHigh: { uri: "/p/y", hosts: ["shop.example"], priority: 2 },
    exactLow: { uri: "/p/y", service_id: "svc", priority: 1 },
  });
  expect(await matched("/p/x", "shop.example")).toBe("exact");
  expect(await matched("/p/x/1", "shop.example")).toBe("longerPrefix");
  expect(await matched("/p/z", "shop.example")).toBe("prefix");
  expect(await matched("/p/y", "shop.example")).toBe("exactHigh");
  expect(await matched("/p/x", "other.example")).toBe("hostless");
});

test("equal priority: the route created first, also after a restart from the state file", async () => {
  const options = await start();
  // one at a time: an object literal would put the integer-like id "1" first
  for (const id of ["b", "1", "a"]) await putRoutes({ [id]: { uri: "/tie" } });
  expect(await matched("/tie", "any.example")).toBe("b");
  await gw!.kill("SIGTERM");
  await start(options);
  expect(await matched("/tie", "any.example")).toBe("b");
});
