import { Agent } from "undici";
import { AdminClient, type AdminClientOptions } from "../../lib/client/admin-client";
import { AdminApiError } from "../../lib/client/errors";
import { closedPort, type FakeAdmin, startFakeAdmin } from "../helper/fake-admin";

const KEY = "sk-SUPER-SECRET-4f7c1a9e";

function clientFor(fake: FakeAdmin, extra: Partial<AdminClientOptions> = {}): { client: AdminClient; delays: number[] } {
  const delays: number[] = [];
  const client = new AdminClient({
    adminUrl: fake.url,
    flavor: fake.flavor,
    adminKey: KEY,
    retryBudgetMs: 5_000,
    requestTimeoutMs: 2_000,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...extra,
  });
  return { client, delays };
}

async function caught(p: Promise<unknown>): Promise<AdminApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AdminApiError);
    return e as AdminApiError;
  }
  throw new Error("expected a rejection");
}

describe("AdminClient (APISIX flavour)", () => {
  let fake: FakeAdmin;
  let client: AdminClient;
  let delays: number[];
  beforeEach(async () => {
    fake = await startFakeAdmin({ flavor: "apisix", adminKey: KEY });
    ({ client, delays } = clientFor(fake));
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  test("put, get, list and delete unwrap the {key, value} envelopes", async () => {
    const put = await client.put("/apisix/admin/routes/r1", { uri: "/a", upstream_id: "u1" });
    expect(put.status).toBe(201);
    expect(put.value).toMatchObject({ id: "r1", uri: "/a" });
    expect((await client.put("/apisix/admin/routes/r1", { uri: "/b" })).status).toBe(200);

    expect(await client.get("/apisix/admin/routes/r1")).toMatchObject({ id: "r1", uri: "/b" });
    expect(await client.get("/apisix/admin/routes/nope")).toBeUndefined();

    const listed = await client.list("routes");
    expect(listed).toEqual([expect.objectContaining({ id: "r1", path: "/apisix/admin/routes/r1", resource: "routes" })]);
    expect(await client.list("services")).toEqual([]);

    expect(await client.delete("/apisix/admin/routes/r1")).toBe(true);
    expect(await client.delete("/apisix/admin/routes/r1")).toBe(false);

    const put1 = fake.requestsTo("PUT")[0];
    expect(put1?.headers["x-api-key"]).toBe(KEY);
    expect(put1?.headers["content-type"]).toBe("application/json");
    expect(put1?.body).toEqual({ uri: "/a", upstream_id: "u1" });
  });

  test("5xx twice then success: retried with growing backoff and succeeds", async () => {
    fake.fail({ status: 503, body: { error_msg: "etcd unavailable" } }, { status: 502, rawBody: "<html>bad gateway</html>" });
    const put = await client.put("/apisix/admin/services/s1", { name: "s" });
    expect(put.status).toBe(201);
    expect(fake.requestsTo("PUT")).toHaveLength(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  test("429 is retried", async () => {
    fake.fail({ status: 429, body: { error_msg: "too many requests" } });
    await client.put("/apisix/admin/services/s1", {});
    expect(fake.requestsTo("PUT")).toHaveLength(2);
  });

  test("backoff is capped at 2 s and jittered", async () => {
    const seen: number[] = [];
    const c = new AdminClient({
      adminUrl: fake.url,
      flavor: "apisix",
      adminKey: KEY,
      retryBudgetMs: 60_000,
      sleep: async (ms) => {
        seen.push(ms);
      },
      random: () => 1,
    });
    fake.fail(...Array.from({ length: 8 }, () => ({ status: 500 })));
    await c.get("/apisix/admin/routes/x");
    await c.close();
    expect(seen).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  test("400 is not retried; the error carries error_msg, method, path and construct path", async () => {
    fake.fail({
      status: 400,
      body: { error_msg: 'invalid configuration: property "uris" validation failed: expect array to have at least 1 items' },
    });
    const err = await caught(client.put("/apisix/admin/routes/r1", { uris: [] }, { constructPath: "stack/route" }));
    expect(fake.requestsTo("PUT")).toHaveLength(1);
    expect(delays).toHaveLength(0);
    expect(err.status).toBe(400);
    expect(err.method).toBe("PUT");
    expect(err.path).toBe("/apisix/admin/routes/r1");
    expect(err.constructPath).toBe("stack/route");
    expect(err.errorMsg).toContain('property "uris" validation failed');
    expect(err.message).toBe(
      'PUT /apisix/admin/routes/r1 failed with 400: invalid configuration: property "uris" validation failed: ' +
        "expect array to have at least 1 items (construct stack/route)",
    );
  });

  test("401 is not retried and names the configured variable, never the key", async () => {
    const wrong = new AdminClient({
      adminUrl: fake.url,
      flavor: "apisix",
      adminKey: "not-the-key-123",
      adminKeyEnv: "MY_APISIX_KEY",
      sleep: async () => undefined,
    });
    const err = await caught(wrong.put("/apisix/admin/routes/r1", { uri: "/" }, { constructPath: "s/r" }));
    await wrong.close();
    expect(fake.requests).toHaveLength(1);
    expect(err.status).toBe(401);
    expect(err.message).toContain("the gateway rejected the admin key (401 wrong apikey); check the MY_APISIX_KEY environment variable");
    expect(err.message).not.toContain("not-the-key-123");
  });

  test("a gateway echoing the key in its error never leaks it", async () => {
    fake.fail({ status: 400, body: { error_msg: `bad key ${KEY} in request` } });
    const err = await caught(client.put("/apisix/admin/routes/r1", {}));
    expect(err.message).not.toContain(KEY);
    expect(err.errorMsg).not.toContain(KEY);
    expect(JSON.stringify(err)).not.toContain(KEY);
    expect(err.message).toContain("bad key *** in request");
  });

  test("5xx until the budget is spent → gives up with the last status and message", async () => {
    const c = clientFor(fake, { retryBudgetMs: 300 }).client;
    fake.fail(...Array.from({ length: 50 }, () => ({ status: 503, body: { error_msg: "etcd down" } })));
    const err = await caught(c.delete("/apisix/admin/routes/r1", { constructPath: "s/r" }));
    await c.close();
    expect(err.status).toBe(503);
    expect(err.message).toMatch(
      /^DELETE \/apisix\/admin\/routes\/r1 failed with 503 after \d+ attempts: etcd down; the retry budget of 300 ms \(retryBudgetMs, shared by every request of this run\) is spent \(construct s\/r\)$/,
    );
  });

  test("a hanging gateway is bounded by the request timeout and the budget", async () => {
    fake.fail(...Array.from({ length: 50 }, () => ({ hang: true as const })));
    const c = new AdminClient({ adminUrl: fake.url, flavor: "apisix", adminKey: KEY, requestTimeoutMs: 150, retryBudgetMs: 400 });
    const started = Date.now();
    const err = await caught(c.get("/apisix/admin/routes/r1"));
    const took = Date.now() - started;
    await c.close();
    expect(took).toBeLessThan(400 + 150 + 300);
    expect(err.kind).toBe("unreachable");
    expect(err.message).toContain(`could not reach the gateway at ${fake.url} after`);
    expect(err.message).toContain("no answer within 150 ms");
  });

  test("connection reset and close without answer are retried", async () => {
    fake.fail({ reset: true }, { close: true });
    expect(await client.put("/apisix/admin/upstreams/u1", { nodes: { "127.0.0.1:1": 1 } })).toMatchObject({ status: 201 });
    expect(delays).toHaveLength(2);
  });

  test("a slow answer within the timeout is fine", async () => {
    fake.fail({ delayMs: 100 });
    expect(await client.put("/apisix/admin/upstreams/u1", {})).toMatchObject({ status: 201 });
    expect(delays).toHaveLength(0);
  });

  test("a custom undici dispatcher carries the requests; the client neither builds a pool nor closes it", async () => {
    const dispatched: string[] = [];
    const agent = new Agent().compose((dispatch) => (options, handler) => {
      dispatched.push(`${options.method} ${options.path}`);
      return dispatch(options, handler);
    });
    const { client: through } = clientFor(fake, { dispatcher: agent });
    try {
      expect(await through.put("/apisix/admin/upstreams/u1", { nodes: {} })).toMatchObject({ status: 201 });
      expect(await through.get("/apisix/admin/upstreams/u1")).toMatchObject({ id: "u1" });
      await through.close();
      expect(dispatched).toEqual(["PUT /apisix/admin/upstreams/u1", "GET /apisix/admin/upstreams/u1"]);
      expect(fake.requests.slice(0, 2).map((r) => r.headers["x-api-key"])).toEqual([KEY, KEY]);
      // still open: a request of the test's own goes through it
      const after = await agent.request({ origin: fake.url, path: "/apisix/admin/upstreams/u1", method: "GET", headers: { "x-api-key": KEY } });
      expect(after.statusCode).toBe(200);
      await after.body.dump();
    } finally {
      await agent.close();
    }
  });

  test("unexpected 2xx body is a protocol error naming the envelope", async () => {
    fake.fail({ status: 200, body: { value: { id: "r1" } } });
    const err = await caught(client.get("/apisix/admin/routes/r1"));
    expect(err.kind).toBe("protocol");
    expect(err.message).toContain("unexpected body");
    expect(err.message).toContain("APISIX {key, value}");
  });
});

describe("AdminClient: one retry budget for every request of a client", () => {
  let fake: FakeAdmin;
  beforeEach(async () => {
    fake = await startFakeAdmin({ flavor: "apisix", adminKey: KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  /**
   * A client whose clock only moves when it sleeps, with the longest backoffs (100, 200, 400, 800, 1600 ms): the
   * budget then decides exactly how many attempts each request gets. Built as a variable, so that options the client
   * does not know are ignored rather than refused.
   */
  function budgetedClient(retryBudgetMs: number, adminUrl = fake.url): AdminClient {
    let clock = 0;
    const options = {
      adminUrl,
      flavor: "apisix" as const,
      adminKey: KEY,
      retryBudgetMs,
      random: () => 1,
      now: () => clock,
      sleep: async (ms: number) => {
        clock += ms;
      },
    };
    return new AdminClient(options);
  }

  const attemptsOf = async (request: Promise<unknown>) => {
    const before = fake.requests.length;
    const err = await caught(request);
    return { attempts: fake.requests.length - before, err };
  };

  test("three requests against a gateway that answers 503 to everything give up after one budget, not three", async () => {
    fake.fail(...Array.from({ length: 50 }, () => ({ status: 503, body: { error_msg: "etcd down" } })));
    const c = budgetedClient(1_500);
    try {
      // 100 + 200 + 400 + 800 ms of backoff fill the 1.5 s budget: five attempts, then nothing is left
      const first = await attemptsOf(c.get("/apisix/admin/routes/a", { constructPath: "s/a" }));
      const second = await attemptsOf(c.put("/apisix/admin/routes/b", { uri: "/b" }, { constructPath: "s/b" }));
      const third = await attemptsOf(c.delete("/apisix/admin/routes/c", { constructPath: "s/c" }));
      expect([first.attempts, second.attempts, third.attempts]).toEqual([5, 1, 1]);
      expect(first.err.message).toBe(
        "GET /apisix/admin/routes/a failed with 503 after 5 attempts: etcd down; the retry budget of 1500 ms " +
          "(retryBudgetMs, shared by every request of this run) is spent (construct s/a)",
      );
      expect(third.err.message).toBe(
        "DELETE /apisix/admin/routes/c failed with 503: etcd down; the retry budget of 1500 ms (retryBudgetMs, shared " +
          "by every request of this run) is spent (construct s/c)",
      );
    } finally {
      await c.close();
    }
  });

  test("a budget partly spent on an early request leaves less for the later ones", async () => {
    // the first request fails three times (100 + 200 + 400 ms of backoff) and then succeeds
    fake.fail(...Array.from({ length: 3 }, () => ({ status: 503 })));
    const c = budgetedClient(1_500);
    const fresh = budgetedClient(1_500);
    try {
      expect(await c.put("/apisix/admin/routes/a", { uri: "/a" })).toMatchObject({ status: 201 });
      expect(fake.requests).toHaveLength(4);
      fake.fail(...Array.from({ length: 50 }, () => ({ status: 503 })));
      // 800 ms are left: 100 + 200 + 400 ms of backoff fit, 800 more do not
      const later = await attemptsOf(c.get("/apisix/admin/routes/b"));
      expect(later.attempts).toBe(4);
      // a client with its whole budget gets one attempt more
      expect((await attemptsOf(fresh.get("/apisix/admin/routes/b"))).attempts).toBe(5);
    } finally {
      await c.close();
      await fresh.close();
    }
  });

  test("an unreachable gateway: the message names the total budget", async () => {
    const port = await closedPort();
    const c = budgetedClient(700, `http://127.0.0.1:${port}`);
    try {
      const first = await caught(c.get("/apisix/admin/routes/a"));
      const second = await caught(c.get("/apisix/admin/routes/b"));
      expect([first.attempts, second.attempts]).toEqual([4, 1]);
      expect(second.message).toMatch(
        new RegExp(
          `^could not reach the gateway at http://127\\.0\\.0\\.1:${port} after 1 attempt in \\d+\\.\\d s: connect ` +
            `ECONNREFUSED 127\\.0\\.0\\.1:${port}; the retry budget of 700 ms \\(retryBudgetMs, shared by every ` +
            `request of this run\\) is spent \\(GET /apisix/admin/routes/b\\)$`,
        ),
      );
    } finally {
      await c.close();
    }
  });
});

describe("AdminClient (gateway down)", () => {
  test("closed port: gives up within the budget with a clear message", async () => {
    const port = await closedPort();
    const c = new AdminClient({ adminUrl: `http://127.0.0.1:${port}`, flavor: "apisix", adminKey: KEY, retryBudgetMs: 700 });
    const started = Date.now();
    const err = await caught(c.put("/apisix/admin/routes/r1", { uri: "/" }, { constructPath: "stack/route" }));
    const took = Date.now() - started;
    await c.close();
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(2_000);
    expect(err.kind).toBe("unreachable");
    expect(err.attempts).toBeGreaterThan(2);
    expect(err.message).toMatch(
      new RegExp(
        `^could not reach the gateway at http://127\\.0\\.0\\.1:${port} after \\d+ attempts in \\d+\\.\\d s: ` +
          `connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; the retry budget of 700 ms \\(retryBudgetMs, shared by every ` +
          `request of this run\\) is spent \\(PUT /apisix/admin/routes/r1 for stack/route\\)$`,
      ),
    );
    expect(err.message).not.toContain(KEY);
  });

  test("retry budget 0 means exactly one attempt", async () => {
    const port = await closedPort();
    const c = new AdminClient({ adminUrl: `http://127.0.0.1:${port}`, flavor: "apisix", adminKey: KEY, retryBudgetMs: 0 });
    const err = await caught(c.get("/apisix/admin/routes/r1"));
    await c.close();
    expect(err.attempts).toBe(1);
  });

  test("rejects paths outside /apisix/admin/", async () => {
    const c = new AdminClient({ adminUrl: "http://127.0.0.1:1", flavor: "apisix", adminKey: KEY });
    const err = await caught(c.get("/api/gateway_groups"));
    expect(err.kind).toBe("config");
  });
});

describe("AdminClient (API7 EE flavour)", () => {
  let fake: FakeAdmin;
  let client: AdminClient;
  beforeEach(async () => {
    fake = await startFakeAdmin({ flavor: "api7-ee", adminKey: KEY, gatewayGroupId: "default" });
    ({ client } = clientFor(fake, { gatewayGroupId: "default" }));
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  test("adds gateway_group_id, unwraps {value} and flat {list}", async () => {
    const put = await client.put("/apisix/admin/services/s1", { name: "svc", upstream: { nodes: [] } });
    expect(put.status).toBe(201);
    expect(put.value).toMatchObject({ id: "s1", name: "svc" });
    await client.put("/apisix/admin/routes/r1?gateway_group_id=default", { paths: ["/"], service_id: "s1" });
    expect(fake.requestsTo("PUT").map((r) => r.url)).toEqual([
      "/apisix/admin/services/s1?gateway_group_id=default",
      "/apisix/admin/routes/r1?gateway_group_id=default",
    ]);
    expect(await client.get("/apisix/admin/routes/r1")).toMatchObject({ id: "r1", service_id: "s1" });
    expect(await client.list("routes")).toEqual([
      expect.objectContaining({ id: "r1", path: "/apisix/admin/routes/r1?gateway_group_id=default" }),
    ]);
  });

  test("lists service-scoped upstreams, skipping each service's default upstream", async () => {
    await client.put("/apisix/admin/services/s1", { name: "svc" });
    await client.put("/apisix/admin/services/s1/upstreams/s1", { nodes: [] });
    await client.put("/apisix/admin/services/s1/upstreams/blue", { nodes: [] });
    const ups = await client.list("upstreams");
    expect(ups).toEqual([
      expect.objectContaining({
        id: "blue",
        serviceId: "s1",
        path: "/apisix/admin/services/s1/upstreams/blue?gateway_group_id=default",
      }),
    ]);
  });

  test("paginates lists", async () => {
    for (let i = 0; i < 501; i++) fake.seed(`routes/r${i}`, { paths: ["/"] });
    const all = await client.list("routes");
    expect(all).toHaveLength(501);
    expect(fake.requestsTo("GET", "/apisix/admin/routes").map((r) => r.query.get("page"))).toEqual(["1", "2"]);
  });

  /** A server that serves at most `cap` objects per page whatever `page_size` asks for. */
  const cappedPages =
    (cap: number, { ignorePage = false, total = (n: number): number | undefined => n } = {}) =>
    (items: Array<Record<string, unknown>>, query: URLSearchParams) => {
      const page = ignorePage ? 1 : Number(query.get("page"));
      const t = total(items.length);
      return { list: items.slice((page - 1) * cap, page * cap), ...(t === undefined ? {} : { total: t }) };
    };

  test("pages on total, not on the page size: pages shorter than page_size still continue", async () => {
    for (let i = 0; i < 250; i++) fake.seed(`routes/r${i}`, { paths: ["/"] });
    fake.listAnswer = cappedPages(100);
    const all = await client.list("routes");
    expect(all.map((o) => o.id)).toEqual(Array.from({ length: 250 }, (_, i) => `r${i}`));
    expect(fake.requestsTo("GET", "/apisix/admin/routes").map((r) => r.query.get("page"))).toEqual(["1", "2", "3"]);
  });

  test("without total, pages until an empty page", async () => {
    for (let i = 0; i < 150; i++) fake.seed(`routes/r${i}`, { paths: ["/"] });
    fake.listAnswer = cappedPages(100, { total: () => undefined });
    expect(await client.list("routes")).toHaveLength(150);
    expect(fake.requestsTo("GET", "/apisix/admin/routes").map((r) => r.query.get("page"))).toEqual(["1", "2", "3"]);
  });

  test("a server that ignores page (and sends no total) fails the list instead of returning part of it", async () => {
    for (let i = 0; i < 150; i++) fake.seed(`routes/r${i}`, { paths: ["/"] });
    fake.listAnswer = cappedPages(100, { ignorePage: true, total: () => undefined });
    const err = await caught(client.list("routes", { constructPath: "stack/gateway" }));
    expect(err.kind).toBe("protocol");
    expect(err.message).toBe(
      "listing /apisix/admin/routes?gateway_group_id=default failed: page 2 lists route r0 again, already listed on " +
        "page 1 (the gateway ignores the page parameter, or the list changed while it was read); 100 objects read, " +
        "no total reported; refusing to go on with a partial list (construct stack/gateway)",
    );
    expect(fake.requestsTo("GET", "/apisix/admin/routes")).toHaveLength(2);
  });

  test("a total larger than what the pages serve fails the list", async () => {
    for (let i = 0; i < 30; i++) fake.seed(`routes/r${i}`, { paths: ["/"] });
    fake.listAnswer = cappedPages(500, { total: (n) => n + 5 });
    const err = await caught(client.list("routes"));
    expect(err.kind).toBe("protocol");
    expect(err.message).toBe(
      "listing /apisix/admin/routes?gateway_group_id=default failed: the gateway reported total 35 but page 2 was " +
        "empty after 30 objects; refusing to go on with a partial list",
    );
  });

  test("a total smaller than what the pages serve fails the list", async () => {
    for (let i = 0; i < 30; i++) fake.seed(`routes/r${i}`, { paths: ["/"] });
    fake.listAnswer = cappedPages(20, { total: () => 25 });
    const err = await caught(client.list("routes"));
    expect(err.message).toBe(
      "listing /apisix/admin/routes?gateway_group_id=default failed: the gateway reported total 25 but served 30 " +
        "objects by page 2; refusing to go on with a partial list",
    );
  });

  test("gives up after the page cap", async () => {
    let served = 0;
    // a server that invents a new object on every page and never reaches its total
    fake.listAnswer = () => ({ list: [{ id: `r${served++}` }], total: 1_000_000 });
    const err = await caught(client.list("routes"));
    expect(err.message).toMatch(
      /^listing \/apisix\/admin\/routes\?gateway_group_id=default failed: still incomplete after 1000 pages \(1000 objects read, total 1000000\); refusing to go on with a partial list$/,
    );
    expect(served).toBe(1000);
  });

  test("APISIX-shaped answer on EE is a protocol error", async () => {
    fake.fail({ status: 200, body: { list: [{ key: "/apisix/routes/r1", value: { id: "r1" } }], total: 1 } });
    // flat list of {key, value} items parses as objects; a non-object list does not
    fake.fail({ status: 200, body: { list: "nope" } });
    await client.list("routes");
    const err = await caught(client.list("routes"));
    expect(err.kind).toBe("protocol");
  });
});
