/**
 * Spawns the real, built CLI the way Terraform's local-exec provisioners do, against the fake Admin API.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, statSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { closedPort, type FakeAdmin, startFakeAdmin } from "../helper/fake-admin";

const ROOT = resolve(__dirname, "../..");
const KEY = "sk-HOOK-SECRET-7e3d9c2b1a";
const KEY_ENV = "GATEWAY_ADMIN_KEY";
const ours = (owner = "conn") => ({ "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": owner });

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Builds `dist/` if any of the hook's sources is newer than the compiled hook. */
function ensureBuilt(): void {
  const built = join(ROOT, "dist/lib/hook/run-hook.js");
  const newest = ["lib/client", "lib/hook", "lib/cli", "lib/model"]
    .flatMap((d) => readdirSync(join(ROOT, d)).map((f) => statSync(join(ROOT, d, f)).mtimeMs))
    .reduce((a, b) => Math.max(a, b), 0);
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  try {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
  } catch (error) {
    if (!existsSync(built)) throw error;
    // Another engineer's in-progress file may break the build; the hook's own output was still emitted.
  }
}

function runCli(action: string, request: unknown, env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const fullEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, [KEY_ENV]: KEY, ...env };
  if (request !== undefined) fullEnv.BLUEGREEN_REQUEST = typeof request === "string" ? request : JSON.stringify(request);
  for (const [k, v] of Object.entries(fullEnv)) if (v === undefined) delete fullEnv[k];
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      ["-e", `require('cdktf-apisix-bluegreen/cli').main(['hook','${action}'])`],
      { cwd: ROOT, env: fullEnv, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        // The key must never appear in anything the hook prints.
        expect(stdout).not.toContain(KEY);
        expect(stderr).not.toContain(KEY);
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

function gateway(fake: { url: string; flavor: string }, extra: Record<string, unknown> = {}) {
  return {
    admin_url: fake.url,
    flavor: fake.flavor,
    admin_key_env: KEY_ENV,
    retry_budget_ms: 2_000,
    request_timeout_ms: 2_000,
    ...extra,
  };
}

function objectRequest(fake: FakeAdmin, path: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    kind: "object",
    method: "PUT",
    path,
    body,
    gateway: gateway(fake, fake.flavor === "api7-ee" ? { gateway_group_id: "g1" } : {}),
    construct_path: "stack/route",
    adopt: false,
    ...extra,
  };
}

beforeAll(() => ensureBuilt(), 120_000);

describe("bluegreen hook (spawned CLI, APISIX fake)", () => {
  let fake: FakeAdmin;
  beforeEach(async () => {
    fake = await startFakeAdmin({ flavor: "apisix", adminKey: KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  test("apply PUTs, verifies and prints one line", async () => {
    const body = { name: "s1", labels: ours() };
    const res = await runCli("apply", objectRequest(fake, "/apisix/admin/services/s1", body));
    expect(res).toEqual({ code: 0, stdout: "bluegreen: PUT /apisix/admin/services/s1 -> 201 (verified)\n", stderr: "" });
    const put = fake.requestsTo("PUT")[0];
    expect(put?.body).toEqual(body);
    expect(put?.headers["x-api-key"]).toBe(KEY);
    expect(fake.requests.map((r) => r.method)).toEqual(["GET", "PUT", "GET"]);

    const again = await runCli("apply", objectRequest(fake, "/apisix/admin/services/s1", body));
    expect(again.stdout).toBe("bluegreen: PUT /apisix/admin/services/s1 -> 200 (verified)\n");
  });

  test("apply retries 5xx and reports each retry on stderr", async () => {
    fake.failWhen((r) => r.method === "PUT", { status: 503, body: { error_msg: "etcd unavailable" } }, { status: 503 });
    const res = await runCli("apply", objectRequest(fake, "/apisix/admin/services/s1", { labels: ours() }));
    expect(res.code).toBe(0);
    expect(res.stdout).toBe("bluegreen: PUT /apisix/admin/services/s1 -> 201 (verified)\n");
    expect(res.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^bluegreen: PUT \/apisix\/admin\/services\/s1 attempt 1 failed \(503: etcd unavailable\); retrying in \d+ ms$/),
      expect.stringMatching(/^bluegreen: PUT \/apisix\/admin\/services\/s1 attempt 2 failed \(503: injected 503\); retrying in \d+ ms$/),
    ]);
  });

  test("apply shows the first three retries, then one line, then the final error", async () => {
    const failures = Array.from({ length: 50 }, () => ({ status: 503, body: { error_msg: "etcd unavailable" } }));
    fake.failWhen((r) => r.method === "PUT", ...failures);
    const res = await runCli("apply", objectRequest(fake, "/apisix/admin/services/s1", { labels: ours() }));
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split("\n");
    const attempts = fake.requestsTo("PUT").length;
    expect(attempts).toBeGreaterThan(4); // more retries happened than were shown
    expect(lines).toEqual([
      expect.stringMatching(/attempt 1 failed \(503: etcd unavailable\); retrying in \d+ ms$/),
      expect.stringMatching(/attempt 2 failed \(503: etcd unavailable\); retrying in \d+ ms$/),
      expect.stringMatching(/attempt 3 failed \(503: etcd unavailable\); retrying in \d+ ms$/),
      "bluegreen: still retrying PUT /apisix/admin/services/s1 (503: etcd unavailable); further attempts are not shown",
      `bluegreen: PUT /apisix/admin/services/s1 failed with 503 after ${attempts} attempts: etcd unavailable; the retry ` +
        "budget of 2000 ms (retryBudgetMs, shared by every request of this run) is spent (construct stack/route)",
    ]);
  });

  test("one retry budget for the whole hook: requests that each need retries share it", async () => {
    // every request fails four times before it succeeds: one apply (GET, PUT, GET) needs 15 attempts and up to
    // 3 x 1.5 s of backoff; each request alone fits the 2 s budget, the three together do not
    fake.failWhen((r) => fake.requests.indexOf(r) % 5 !== 4, ...Array.from({ length: 50 }, () => ({ status: 503, body: { error_msg: "etcd busy" } })));
    const res = await runCli("apply", objectRequest(fake, "/apisix/admin/services/s1", { labels: ours() }, { gateway: gateway(fake) }));
    expect(res.code).toBe(1);
    expect(fake.requests.length).toBeLessThan(15);
    expect(res.stderr.trim().split("\n").at(-1)).toMatch(
      /^bluegreen: (GET|PUT) \/apisix\/admin\/services\/s1 failed with 503 after \d+ attempts: etcd busy; the retry budget of 2000 ms \(retryBudgetMs, shared by every request of this run\) is spent \(construct stack\/route\)$/,
    );
  });

  test("apply: a 400 exits 1 with the gateway's error_msg and the construct path", async () => {
    fake.failWhen((r) => r.method === "PUT", {
      status: 400,
      body: { error_msg: 'invalid configuration: property "uris" validation failed: expect array to have at least 1 items' },
    });
    const res = await runCli("apply", objectRequest(fake, "/apisix/admin/routes/r1", { uris: [], labels: ours() }));
    expect(res).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'bluegreen: PUT /apisix/admin/routes/r1 failed with 400: invalid configuration: property "uris" validation ' +
        "failed: expect array to have at least 1 items (construct stack/route)\n",
    });
    expect(fake.requestsTo("PUT")).toHaveLength(1);
  });

  test("apply with the wrong key names the variable and never prints the key", async () => {
    const res = await runCli("apply", objectRequest(fake, "/apisix/admin/routes/r1", {}), { [KEY_ENV]: `${KEY}-wrong` });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      "bluegreen: the gateway rejected the admin key (401 wrong apikey); check the GATEWAY_ADMIN_KEY environment " +
        "variable (GET /apisix/admin/routes/r1 for stack/route)\n",
    );
    expect(fake.requests).toHaveLength(1);
  });

  test("a missing admin key variable fails before any request", async () => {
    const req = objectRequest(fake, "/apisix/admin/routes/r1", {});
    req.gateway.admin_key_env = "PROD_APISIX_KEY";
    const res = await runCli("apply", req, { [KEY_ENV]: undefined });
    expect(res).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "bluegreen: the admin key is missing: set the PROD_APISIX_KEY environment variable before running cdktf " +
        "deploy (needed by stack/route)\n",
    });
    expect(fake.requests).toHaveLength(0);
  });

  test("missing, non-JSON and invalid BLUEGREEN_REQUEST name the variable", async () => {
    const missing = await runCli("apply", undefined);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^bluegreen: BLUEGREEN_REQUEST is not set/);
    const notJson = await runCli("apply", "{nope");
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^bluegreen: BLUEGREEN_REQUEST is not valid JSON/);
    const invalid = await runCli("apply", { ...objectRequest(fake, "/routes/r1", {}) });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^bluegreen: BLUEGREEN_REQUEST does not match the hook input schema \(path: .*\) \(construct stack\/route\)/);
  });

  test("unknown action is a usage error (exit 2)", async () => {
    const res = await runCli("upsert", objectRequest(fake, "/apisix/admin/routes/r1", {}));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^bluegreen hook: expected one of apply, destroy, sweep, teardown, got "upsert"/);
  });

  test("apply refuses an unmanaged object unless adopt", async () => {
    fake.seed("routes/r1", { uri: "/", labels: { team: "payments" } });
    const refused = await runCli("apply", objectRequest(fake, "/apisix/admin/routes/r1", { uri: "/x", labels: ours() }));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "bluegreen: refusing to overwrite /apisix/admin/routes/r1: it exists and is not managed by cdktf-apisix-bluegreen " +
        '(labels: {"team":"payments"}); set adopt: true on stack/route to take it over, or use another id\n',
    );
    expect(fake.requestsTo("PUT")).toHaveLength(0);
    const adopted = await runCli("apply", objectRequest(fake, "/apisix/admin/routes/r1", { uri: "/x", labels: ours() }, { adopt: true }));
    expect(adopted.stdout).toBe("bluegreen: PUT /apisix/admin/routes/r1 -> 200 (verified, adopted)\n");
  });

  test("apply fails when the gateway stores something else", async () => {
    fake.transformStored = (_k, v) => ({ ...v, uri: "/other" });
    const res = await runCli("apply", objectRequest(fake, "/apisix/admin/routes/r1", { uri: "/x", labels: ours() }));
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'bluegreen: read-after-write check failed for /apisix/admin/routes/r1: field uri was written as "/x" but the ' +
        'gateway stored "/other" (construct stack/route)\n',
    );
  });

  test("destroy: deleted, already gone, skipped", async () => {
    fake.seed("routes/r1", { labels: ours() });
    fake.seed("routes/theirs", { labels: { team: "x" } });
    const d1 = await runCli("destroy", objectRequest(fake, "/apisix/admin/routes/r1", {}));
    expect(d1).toEqual({ code: 0, stdout: "bluegreen: DELETE /apisix/admin/routes/r1 -> deleted\n", stderr: "" });
    const d2 = await runCli("destroy", objectRequest(fake, "/apisix/admin/routes/r1", {}));
    expect(d2.stdout).toBe("bluegreen: DELETE /apisix/admin/routes/r1 -> already gone\n");
    const d3 = await runCli("destroy", objectRequest(fake, "/apisix/admin/routes/theirs", {}));
    expect(d3.code).toBe(0);
    expect(d3.stdout).toBe(
      'bluegreen: DELETE /apisix/admin/routes/theirs -> skipped: not managed by cdktf-apisix-bluegreen (labels: {"team":"x"}), left in place\n',
    );
    expect(fake.store.has("routes/theirs")).toBe(true);
  });

  test("destroy with legacy_owner deletes an object still labelled with the old default owner", async () => {
    fake.seed("routes/r1", { labels: ours("shop") });
    fake.seed("routes/r2", { labels: ours("team-b") });
    const request = (path: string) => objectRequest(fake, path, { labels: ours("shop-infra/shop") }, { legacy_owner: "shop" });
    const d1 = await runCli("destroy", request("/apisix/admin/routes/r1"));
    expect(d1).toEqual({ code: 0, stdout: "bluegreen: DELETE /apisix/admin/routes/r1 -> deleted\n", stderr: "" });
    const d2 = await runCli("destroy", request("/apisix/admin/routes/r2"));
    expect(d2.stdout).toMatch(/-> skipped: it now belongs to another owner/);
    expect(fake.store.has("routes/r2")).toBe(true);
  });

  test("sweep deletes the owner's leftovers and prints what it deleted", async () => {
    fake.seed("routes/r1", { labels: ours(), service_id: "s1" });
    fake.seed("routes/r-old", { labels: ours(), upstream_id: "s-blue" });
    fake.seed("services/s1", { labels: ours() });
    fake.seed("upstreams/s-blue", { labels: ours() });
    fake.seed("upstreams/other", { labels: ours("other-conn") });
    const sweepRequest = {
      kind: "sweep",
      owner: "conn",
      keep: ["/apisix/admin/routes/r1", "/apisix/admin/services/s1"],
      gateway: gateway(fake),
      construct_path: "stack/conn",
    };
    const res = await runCli("sweep", sweepRequest);
    expect(res).toEqual({ code: 0, stdout: "bluegreen: sweep owner=conn deleted 2: route r-old, upstream s-blue\n", stderr: "" });
    expect(fake.requestsTo("DELETE").map((r) => r.pathname)).toEqual([
      "/apisix/admin/routes/r-old",
      "/apisix/admin/upstreams/s-blue",
    ]);
    const again = await runCli("sweep", sweepRequest);
    expect(again.stdout).toBe("bluegreen: sweep owner=conn deleted 0\n");
    const onDestroy = await runCli("destroy", sweepRequest);
    expect(onDestroy).toEqual({ code: 0, stdout: "bluegreen: sweep owner=conn: nothing to do on destroy\n", stderr: "" });
    const wrongKind = await runCli("sweep", objectRequest(fake, "/apisix/admin/routes/r1", {}));
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toMatch(/'hook sweep' needs a sweep request/);
  });

  test("teardown deletes every object of the owner, routes → services → upstreams, and nothing else", async () => {
    fake.seed("routes/r1", { labels: ours(), service_id: "s1" });
    fake.seed("services/s1", { labels: ours(), upstream_id: "s1-blue" });
    fake.seed("upstreams/s1-blue", { labels: ours() });
    fake.seed("routes/hand-made", { uri: "/x" });
    fake.seed("upstreams/other", { labels: ours("other-conn") });
    const teardown = { kind: "teardown", owner: "conn", gateway: gateway(fake), construct_path: "stack/conn" };
    const res = await runCli("teardown", teardown);
    expect(res).toEqual({
      code: 0,
      stdout: "bluegreen: teardown owner=conn deleted 3: route r1, service s1, upstream s1-blue\n",
      stderr: "",
    });
    expect([...fake.store.keys()].sort()).toEqual(["routes/hand-made", "upstreams/other"]);
    expect((await runCli("teardown", teardown)).stdout).toBe("bluegreen: teardown owner=conn deleted 0\n");

    // a teardown request is never run as a sweep (or a destroy), and a sweep request never as a teardown
    fake.seed("routes/r2", { labels: ours() });
    for (const action of ["sweep", "destroy", "apply"]) {
      const wrong = await runCli(action, teardown);
      expect({ action, code: wrong.code }).toEqual({ action, code: 1 });
      expect(wrong.stderr).toBe(
        `bluegreen: 'hook ${action}' got the teardown request of stack/conn, which only 'hook teardown' runs (at destroy)\n`,
      );
    }
    const sweepAsTeardown = await runCli("teardown", { ...teardown, kind: "sweep", keep: [] });
    expect(sweepAsTeardown.code).toBe(1);
    expect(sweepAsTeardown.stderr).toBe(
      "bluegreen: 'hook teardown' needs a teardown request but BLUEGREEN_REQUEST holds a sweep request (construct stack/conn)\n",
    );
    expect(fake.store.has("routes/r2")).toBe(true);
  });

  test("destroy of an object the gateway refuses to delete (still in use) leaves it for the teardown and exits 0", async () => {
    fake.seed("services/s1", { labels: ours() });
    // a route left behind by a create that failed after its PUT: Terraform marked it tainted and never destroys it
    fake.seed("routes/tainted", { labels: ours(), service_id: "s1" });
    const res = await runCli("destroy", objectRequest(fake, "/apisix/admin/services/s1", {}, { construct_path: "stack/svc" }));
    expect(res).toEqual({
      code: 0,
      stdout:
        "bluegreen: DELETE /apisix/admin/services/s1 -> refused by the gateway (400: can not delete this service " +
        "directly, route [tainted] is still using it now); left for the teardown of the connection, which deletes " +
        "every object of the owner in order once the objects are destroyed (construct stack/svc)\n",
      stderr: "",
    });
    expect(fake.store.has("services/s1")).toBe(true);
    // other failures still fail
    fake.failWhen((r) => r.method === "DELETE", { status: 403, body: { error_msg: "forbidden" } });
    const forbidden = await runCli("destroy", objectRequest(fake, "/apisix/admin/services/s1", {}));
    expect(forbidden.code).toBe(1);
  });
});

describe("bluegreen hook (spawned CLI, other gateways)", () => {
  test("API7 EE: paths carry gateway_group_id", async () => {
    const fake = await startFakeAdmin({ flavor: "api7-ee", adminKey: KEY, gatewayGroupId: "g1" });
    try {
      const res = await runCli(
        "apply",
        objectRequest(fake, "/apisix/admin/routes/r1?gateway_group_id=g1", { paths: ["/"], service_id: "s1", labels: ours() }),
      );
      expect(res).toEqual({
        code: 0,
        stdout: "bluegreen: PUT /apisix/admin/routes/r1?gateway_group_id=g1 -> 201 (verified)\n",
        stderr: "",
      });
      expect(fake.requests.map((r) => r.url)).toEqual([
        "/apisix/admin/routes/r1?gateway_group_id=g1",
        "/apisix/admin/routes/r1?gateway_group_id=g1",
        "/apisix/admin/routes/r1?gateway_group_id=g1",
      ]);
    } finally {
      await fake.close();
    }
  });

  test("gateway down: gives up within the budget with a clear message", async () => {
    const port = await closedPort();
    const fakeLike = { url: `http://127.0.0.1:${port}`, flavor: "apisix" };
    const started = Date.now();
    const res = await runCli("apply", {
      kind: "object",
      method: "PUT",
      path: "/apisix/admin/routes/r1",
      body: {},
      gateway: gateway(fakeLike, { retry_budget_ms: 800 }),
      construct_path: "stack/route",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    const lines = res.stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[lines.length - 1]).toMatch(
      new RegExp(
        `^bluegreen: could not reach the gateway at http://127\\.0\\.0\\.1:${port} after \\d+ attempts in \\d\\.\\d s: ` +
          `connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; the retry budget of 800 ms \\(retryBudgetMs, shared by every ` +
          `request of this run\\) is spent \\(GET /apisix/admin/routes/r1 for stack/route\\)$`,
      ),
    );
  });
});
