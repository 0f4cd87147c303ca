import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackends, type Backend } from "../helper/backends";
import { Gateway, nodesOf } from "./data-plane-harness";

let blue: Backend, green: Backend, canary: Backend;
let gw: Gateway;

beforeAll(async () => {
  [blue, green, canary] = await startBackends(["blue", "green", "canary"]);
});
afterAll(async () => {
  await Promise.all([blue, green, canary].map((b) => b.close()));
});
beforeEach(async () => {
  gw = await new Gateway().start();
});
afterEach(async () => {
  await gw.stop();
});

const inline = (b: Backend, extra: Record<string, unknown> = {}) => ({ type: "roundrobin", nodes: nodesOf(b.port), ...extra });

describe("routing and errors", () => {
  test("no route → 404 Route Not Found", async () => {
    gw.source.set({ routes: { r1: { uri: "/hit", upstream: inline(blue) } } });
    const a = await gw.send("/miss");
    expect(a.status).toBe(404);
    expect(a.text).toBe('{"error_msg":"404 Route Not Found"}\n');
  });

  test("route upstream, route upstream_id, service upstream", async () => {
    gw.source.set({
      upstreams: { u1: inline(green) },
      services: { s1: { upstream: inline(canary) }, s2: { upstream_id: "u1" } },
      routes: {
        a: { uri: "/a", upstream: inline(blue) },
        b: { uri: "/b", upstream_id: "u1", upstream: inline(blue) },
        c: { uri: "/c", service_id: "s1" },
        d: { uri: "/d", service_id: "s2", upstream: inline(blue) },
        e: { uri: "/e", service_id: "s2" },
      },
    });
    expect((await gw.send("/a")).json?.backend).toBe("blue");
    expect((await gw.send("/b")).json?.backend).toBe("green"); // upstream_id wins over upstream
    expect((await gw.send("/c")).json?.backend).toBe("canary");
    expect((await gw.send("/d")).json?.backend).toBe("blue"); // route upstream clears service upstream_id
    expect((await gw.send("/e")).json?.backend).toBe("green");
  });

  test("missing upstream_id → 502, missing service → 404, no upstream → 503, zero nodes → 503", async () => {
    gw.source.set({
      services: { empty: {} },
      routes: {
        a: { uri: "/a", upstream_id: "nope" },
        b: { uri: "/b", service_id: "ghost" },
        c: { uri: "/c", service_id: "empty" },
        d: { uri: "/d", upstream: { type: "roundrobin", nodes: {} } },
      },
    });
    expect((await gw.send("/a")).status).toBe(502);
    const b = await gw.send("/b");
    expect(b.status).toBe(404);
    expect(b.text).toContain("404 Not Found");
    expect((await gw.send("/c")).status).toBe(503);
    const d = await gw.send("/d");
    expect(d.status).toBe(503);
    expect(d.headers["x-bluegreen-error"]).toBe("no valid upstream node");
  });

  test("unreachable node → 502 nginx page; a single weight-0 node is still used", async () => {
    gw.source.set({
      routes: {
        a: { uri: "/a", upstream: { nodes: { "127.0.0.1:1": 1 } } },
        b: { uri: "/b", upstream: { nodes: [{ host: "127.0.0.1", port: blue.port, weight: 0 }] } },
      },
    });
    const a = await gw.send("/a");
    expect(a.status).toBe(502);
    expect(a.text).toContain("<title>502 Bad Gateway</title>");
    expect((await gw.send("/b")).json?.backend).toBe("blue");
  });

  test("connection failure on one node is retried on the other", async () => {
    gw.source.set({ routes: { a: { uri: "/a", upstream: { nodes: { "127.0.0.1:1": 1, [`127.0.0.1:${blue.port}`]: 1 } } } } });
    expect(await gw.count(6, "/a")).toEqual({ blue: 6 });
  });

  test("read timeout → 504", async () => {
    const slow: Server = createHttpServer((_req, res) => setTimeout(() => res.end("late"), 1500));
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", () => r()));
    const port = (slow.address() as AddressInfo).port;
    gw.source.set({ routes: { a: { uri: "/a", upstream: { nodes: nodesOf(port), timeout: { connect: 1, send: 1, read: 0.2 } } } } });
    const a = await gw.send("/a");
    expect(a.status).toBe(504);
    slow.closeAllConnections();
    slow.close();
  });

  test("nodes inside an upstream are balanced 3:1", async () => {
    gw.source.set({ routes: { a: { uri: "/a", upstream: { nodes: { ...nodesOf(blue.port, 3), ...nodesOf(green.port, 1) } } } } });
    expect(await gw.count(40, "/a")).toEqual({ blue: 30, green: 10 });
  });

  test("POST bodies are streamed", async () => {
    gw.source.set({ routes: { a: { uri: "/a", upstream: inline(blue) } } });
    const a = await gw.send("/a?x=1", { method: "POST", body: "hello", headers: { "content-type": "text/plain" } });
    expect(a.status).toBe(200);
    expect(a.json?.path).toBe("/a?x=1");
    expect(a.json?.headers?.["content-length"]).toBe("5");
  });
});

describe("traffic-split", () => {
  const route = (plugin: unknown, extra: Record<string, unknown> = {}) => ({
    routes: { r1: { uri: "/server_port", upstream: inline(blue), plugins: { "traffic-split": plugin }, ...extra } },
  });

  test("weights 3:1 → exactly 30/10 over 40 requests", async () => {
    gw.source.set(route({ rules: [{ weighted_upstreams: [{ upstream: inline(green), weight: 3 }, { weight: 1 }] }] }));
    expect(await gw.count(40, "/server_port")).toEqual({ green: 30, blue: 10 });
  });

  test("1:2:? split with upstream_id, inline and weight-only (traffic-split.t style)", async () => {
    gw.source.set({
      upstreams: { u_green: inline(green) },
      ...route({
        rules: [
          {
            weighted_upstreams: [
              { upstream_id: "u_green", weight: 1 },
              { upstream: inline(canary), weight: 2 },
              { weight: 3 },
            ],
          },
        ],
      }),
    });
    expect(await gw.count(60, "/server_port")).toEqual({ green: 10, canary: 20, blue: 30 });
  });

  test("blue-green by header: X-Env: green previews, others keep the route upstream", async () => {
    gw.source.set(
      route({
        rules: [{ match: [{ vars: [["http_x-env", "==", "green"]] }], weighted_upstreams: [{ upstream: inline(green) }] }],
      }),
    );
    expect(await gw.count(5, "/server_port", { "X-Env": "green" })).toEqual({ green: 5 });
    expect(await gw.count(5, "/server_port", { "X-Env": "blue" })).toEqual({ blue: 5 });
    expect(await gw.count(5, "/server_port")).toEqual({ blue: 5 });
    const a = await gw.send("/server_port", { headers: { "X-Env": "green" } });
    expect(a.headers["x-bluegreen-upstream"]).toBe("inline");
  });

  test("'!' with '<' matches missing/older ages (TEST 9/10)", async () => {
    gw.source.set(
      route({
        rules: [{ match: [{ vars: [["arg_age", "!", "<", "16"]] }], weighted_upstreams: [{ upstream: inline(green) }] }],
      }),
    );
    expect((await gw.send("/server_port?age=14")).json?.backend).toBe("blue");
    expect((await gw.send("/server_port?age=16")).json?.backend).toBe("green");
    expect((await gw.send("/server_port")).json?.backend).toBe("green");
  });

  test("vars on arg, cookie and http; OR across match entries, AND within vars", async () => {
    gw.source.set(
      route({
        rules: [
          {
            match: [
              { vars: [["arg_name", "==", "jack"], ["http_user-id", ">", "23"]] },
              { vars: [["cookie_beta", "==", "1"]] },
            ],
            weighted_upstreams: [{ upstream: inline(green) }],
          },
        ],
      }),
    );
    expect((await gw.send("/server_port?name=jack", { headers: { "user-id": "30" } })).json?.backend).toBe("green");
    expect((await gw.send("/server_port?name=jack", { headers: { "user-id": "3" } })).json?.backend).toBe("blue");
    expect((await gw.send("/server_port", { headers: { cookie: "x=1; beta=1" } })).json?.backend).toBe("green");
  });

  test("multiple rules: first match wins", async () => {
    gw.source.set(
      route({
        rules: [
          { match: [{ vars: [["arg_v", "==", "1"]] }], weighted_upstreams: [{ upstream: inline(green) }] },
          { match: [{ vars: [["arg_v", "~~", "^[0-9]$"]] }], weighted_upstreams: [{ upstream: inline(canary) }] },
        ],
      }),
    );
    expect((await gw.send("/server_port?v=1")).json?.backend).toBe("green");
    expect((await gw.send("/server_port?v=2")).json?.backend).toBe("canary");
    expect((await gw.send("/server_port?v=x")).json?.backend).toBe("blue");
  });

  test("zero weights: 0 never picked; single entry at 0 always picked; all zero cycles", async () => {
    gw.source.set(route({ rules: [{ weighted_upstreams: [{ upstream: inline(green), weight: 0 }, { weight: 1 }] }] }));
    expect(await gw.count(6, "/server_port")).toEqual({ blue: 6 });
    gw.source.set(route({ rules: [{ weighted_upstreams: [{ upstream: inline(green), weight: 0 }] }] }));
    expect(await gw.count(4, "/server_port")).toEqual({ green: 4 });
    gw.source.set(route({ rules: [{ weighted_upstreams: [{ upstream: inline(green), weight: 0 }, { weight: 0 }] }] }));
    expect(await gw.count(6, "/server_port")).toEqual({ green: 3, blue: 3 });
  });

  test("missing upstream_id in a visited rule → 500 with the APISIX body", async () => {
    gw.source.set(route({ rules: [{ weighted_upstreams: [{ upstream_id: "invalid-id", weight: 1 }] }] }));
    const a = await gw.send("/server_port");
    expect(a.status).toBe(500);
    expect(a.text).toBe("failed to fetch upstream info by upstream id: invalid-id\n");
  });

  test("a later rule with a missing upstream_id is not visited when an earlier rule matches", async () => {
    gw.source.set(
      route({
        rules: [
          { match: [{ vars: [["arg_a", "==", "1"]] }], weighted_upstreams: [{ upstream: inline(green) }] },
          { weighted_upstreams: [{ upstream_id: "gone" }] },
        ],
      }),
    );
    expect((await gw.send("/server_port?a=1")).json?.backend).toBe("green");
    expect((await gw.send("/server_port")).status).toBe(500);
  });

  test("plugin on the service applies; route plugin overrides it", async () => {
    gw.source.set({
      services: { s: { upstream: inline(blue), plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ upstream: inline(green) }] }] } } } },
      routes: {
        a: { uri: "/a", service_id: "s" },
        b: { uri: "/b", service_id: "s", plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ upstream: inline(canary) }] }] } } },
      },
    });
    expect((await gw.send("/a")).json?.backend).toBe("green");
    expect((await gw.send("/b")).json?.backend).toBe("canary");
  });

  test("config change takes effect on the next request and resets picker state", async () => {
    gw.source.set(route({ rules: [{ weighted_upstreams: [{ upstream: inline(green), weight: 1 }, { weight: 1 }] }] }));
    expect((await gw.send("/server_port")).json?.backend).toBe("green");
    gw.source.set(route({ rules: [{ weighted_upstreams: [{ upstream: inline(canary), weight: 1 }, { weight: 0 }] }] }));
    expect((await gw.send("/server_port")).json?.backend).toBe("canary");
  });
});

describe("pass_host and upstream schemes", () => {
  test("pass / node / rewrite", async () => {
    gw.source.set({
      routes: {
        a: { uri: "/a", upstream: inline(blue, { pass_host: "pass" }) },
        b: { uri: "/b", upstream: inline(blue, { pass_host: "node" }) },
        c: { uri: "/c", upstream: inline(blue, { pass_host: "rewrite", upstream_host: "rewritten.example" }) },
      },
    });
    const headers = { host: "client.example" };
    expect((await gw.send("/a", { headers })).json?.headers?.host).toBe("client.example");
    expect((await gw.send("/b", { headers })).json?.headers?.host).toBe(`127.0.0.1:${blue.port}`);
    expect((await gw.send("/c", { headers })).json?.headers?.host).toBe("rewritten.example");
  });

  test("X-Forwarded-* and hop-by-hop headers", async () => {
    gw.source.set({ routes: { a: { uri: "/a", upstream: inline(blue) } } });
    const a = await gw.send("/a", { headers: { host: "Shop.Example:8080", "x-forwarded-for": "1.2.3.4", "proxy-authorization": "x" } });
    expect(a.json?.headers?.["x-forwarded-for"]).toBe("1.2.3.4, 127.0.0.1");
    expect(a.json?.headers?.["x-forwarded-proto"]).toBe("http");
    expect(a.json?.headers?.["x-forwarded-host"]).toBe("shop.example");
    expect(a.json?.headers?.["proxy-authorization"]).toBeUndefined();
    expect(a.headers["x-backend"]).toBe("blue");
  });

  test("https upstream (self-signed, not verified)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bg-tls-"));
    let server: HttpsServer | undefined;
    try {
      execFileSync("openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
      ], { stdio: "ignore" });
      const tlsServer = createHttpsServer(
        { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
        (req, res) => res.end(JSON.stringify({ backend: "tls", headers: req.headers })),
      );
      server = tlsServer;
      await new Promise<void>((r) => tlsServer.listen(0, "127.0.0.1", () => r()));
      const port = (tlsServer.address() as AddressInfo).port;
      gw.source.set({
        routes: {
          a: { uri: "/a", upstream: { scheme: "https", pass_host: "node", nodes: nodesOf(port) } },
          b: { uri: "/b", upstream: { scheme: "https", tls: { verify: true }, nodes: nodesOf(port) } },
        },
      });
      const a = await gw.send("/a");
      expect(a.json?.backend).toBe("tls");
      expect(a.json?.headers?.host).toBe(`127.0.0.1:${port}`);
      expect((await gw.send("/b")).status).toBe(502);
    } finally {
      server?.closeAllConnections();
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("config changes and robustness", () => {
  test("an in-flight request completes while the config changes", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Server = createHttpServer(async (_req, res) => {
      await gate;
      res.end(JSON.stringify({ backend: "slow" }));
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", () => r()));
    const port = (slow.address() as AddressInfo).port;
    gw.source.set({ routes: { a: { uri: "/a", upstream: { nodes: nodesOf(port) } } } });
    const inFlight = gw.send("/a");
    await new Promise((r) => setTimeout(r, 100));
    gw.source.set({ routes: { a: { uri: "/a", upstream: inline(green) } } });
    expect((await gw.send("/a")).json?.backend).toBe("green");
    release();
    expect((await inFlight).json?.backend).toBe("slow");
    slow.closeAllConnections();
    slow.close();
  });

  test("client abort and backend reset do not crash the gateway", async () => {
    const rude: Server = createHttpServer((req) => req.socket.destroy());
    await new Promise<void>((r) => rude.listen(0, "127.0.0.1", () => r()));
    const port = (rude.address() as AddressInfo).port;
    let release!: () => void;
    const hang: Server = createHttpServer((_req, res) => void new Promise<void>((r) => (release = r)).then(() => res.end("x")));
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", () => r()));
    const hangPort = (hang.address() as AddressInfo).port;
    gw.source.set({
      routes: {
        reset: { uri: "/reset", upstream: { nodes: nodesOf(port) } },
        hang: { uri: "/hang", upstream: { nodes: nodesOf(hangPort) } },
        ok: { uri: "/ok", upstream: inline(blue) },
      },
    });
    expect((await gw.send("/reset")).status).toBe(502);
    const controller = new AbortController();
    const aborted = fetch(`http://127.0.0.1:${gw.port}/hang`, { signal: controller.signal }).catch(() => "aborted");
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    expect(await aborted).toBe("aborted");
    release?.();
    expect((await gw.send("/ok")).status).toBe(200);
    rude.close();
    hang.closeAllConnections();
    hang.close();
  });
});

describe("post_arg_* through the data plane", () => {
  test("form bodies are buffered for matching and still reach the backend", async () => {
    gw.source.set({
      routes: {
        r: {
          uri: "/form",
          upstream: inline(blue),
          plugins: {
            "traffic-split": {
              rules: [{ match: [{ vars: [["post_arg_env", "==", "green"]] }], weighted_upstreams: [{ upstream: inline(green) }] }],
            },
          },
        },
      },
    });
    const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
    const a = await gw.send("/form", { method: "POST", headers: form, body: "env=green&x=1" });
    expect(a.json?.backend).toBe("green");
    expect(a.json?.headers?.["content-length"]).toBe("13");
    expect((await gw.send("/form", { method: "POST", headers: form, body: "env=blue" })).json?.backend).toBe("blue");
    const json = { "content-type": "application/json" };
    expect((await gw.send("/form", { method: "POST", headers: json, body: '{"env":"green"}' })).json?.backend).toBe("blue");
  });
});

describe("API7 EE flavour", () => {
  let ee: Gateway;
  beforeEach(async () => {
    ee = await new Gateway("api7-ee").start();
  });
  afterEach(async () => {
    await ee.stop();
  });

  test("canary guide: inline upstream weight 10 + weight-only 90 on a service upstream, path_prefix stripped", async () => {
    ee.source.set({
      services: { "canary-service": { name: "canary", hosts: ["shop.example"], path_prefix: "/api", upstream: inline(blue) } },
      routes: {
        "canary-route": {
          name: "r",
          paths: ["/headers"],
          service_id: "canary-service",
          plugins: {
            "traffic-split": { rules: [{ weighted_upstreams: [{ upstream: inline(green), weight: 10 }, { weight: 90 }] }] },
          },
        },
      },
    });
    const counts = await (async () => {
      const c: Record<string, number> = {};
      for (let i = 0; i < 20; i++) {
        const a = await ee.send("/api/headers?q=1", { headers: { host: "shop.example" } });
        expect(a.json?.path).toBe("/headers?q=1");
        c[a.json?.backend ?? "x"] = (c[a.json?.backend ?? "x"] ?? 0) + 1;
      }
      return c;
    })();
    expect(counts).toEqual({ green: 2, blue: 18 });
    expect((await ee.send("/headers", { headers: { host: "shop.example" } })).status).toBe(404);
  });

  test("traffic-split upstream_id resolves service-scoped upstreams", async () => {
    ee.source.set({
      services: { s: { upstream: inline(blue) } },
      upstreams: { "s/green": inline(green) },
      routes: {
        r: {
          paths: ["/p"],
          service_id: "s",
          plugins: {
            "traffic-split": {
              rules: [{ match: [{ vars: [["http_x_env", "==", "green"]] }], weighted_upstreams: [{ upstream_id: "green" }] }],
            },
          },
        },
      },
    });
    const a = await ee.send("/p", { headers: { "x-env": "green" } });
    expect(a.json?.backend).toBe("green");
    expect(a.headers["x-bluegreen-upstream"]).toBe("green");
    expect((await ee.send("/p")).json?.backend).toBe("blue");
  });
});

describe("chash upstreams", () => {
  test("hash_on header is sticky per key and spreads keys over nodes", async () => {
    gw.source.set({
      routes: {
        r: {
          uri: "/c",
          upstream: {
            type: "chash",
            hash_on: "header",
            key: "x-user",
            nodes: { ...nodesOf(blue.port), ...nodesOf(green.port), ...nodesOf(canary.port) },
          },
        },
      },
    });
    const seen = new Set<string>();
    for (let u = 0; u < 20; u++) {
      const counts = await gw.count(3, "/c", { "x-user": `user-${u}` });
      expect(Object.keys(counts)).toHaveLength(1);
      seen.add(Object.keys(counts)[0]);
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});
