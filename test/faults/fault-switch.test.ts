/**
 * The test-only fault switch of the embedded gateway (lib/gateway/faults.ts): off by default, consumed per matching
 * request, a faulted write never reaches the store, hanging requests are released by clear().
 */
import { AdminFaults } from "../../lib/gateway/faults";
import { startAdmin, type AdminClient } from "../gateway/admin-helper";

const ROUTE = { uri: "/a", upstream: { type: "roundrobin", nodes: { "127.0.0.1:1980": 1 } } };

describe("AdminFaults", () => {
  let admin: AdminClient;
  let faults: AdminFaults;

  beforeEach(async () => {
    faults = new AdminFaults();
    admin = await startAdmin({ faults });
  });
  afterEach(async () => {
    faults.clear();
    await admin.gw.close();
  });

  test("without programmed faults every request is served normally and recorded", async () => {
    expect((await admin.call("PUT", "/apisix/admin/routes/r1", ROUTE)).status).toBe(201);
    expect((await admin.call("GET", "/apisix/admin/routes/r1")).status).toBe(200);
    expect(faults.seen).toEqual([
      { method: "PUT", path: "/apisix/admin/routes/r1" },
      { method: "GET", path: "/apisix/admin/routes/r1" },
    ]);
  });

  test("failNext answers only matching requests, `count` times, and the failed writes change nothing", async () => {
    faults.failNext({ method: "PUT", pathPrefix: "/apisix/admin/routes/r1", status: 503, count: 2 });
    const a = await admin.call("PUT", "/apisix/admin/routes/r1", ROUTE);
    expect(a).toMatchObject({ status: 503, body: { error_msg: "injected fault: 503" } });
    // a GET and another route are not matched
    expect((await admin.call("GET", "/apisix/admin/routes/r1")).status).toBe(404);
    expect((await admin.call("PUT", "/apisix/admin/routes/r2", ROUTE)).status).toBe(201);
    expect((await admin.call("PUT", "/apisix/admin/routes/r1", ROUTE)).status).toBe(503);
    expect(admin.gw.store.get("routes", "r1")).toBeUndefined();
    expect(faults.pending()).toBe(0);
    expect((await admin.call("PUT", "/apisix/admin/routes/r1", ROUTE)).status).toBe(201);
    expect(faults.count({ pathPrefix: "/apisix/admin/routes/r1" }, true)).toBe(2);
    expect(faults.count({ method: "PUT" }, false)).toBe(2);
  });

  test("a custom body is sent verbatim; Infinity lasts until clear()", async () => {
    faults.failNext({ status: 400, count: Infinity, body: { error_msg: "custom rejection" } });
    for (let i = 0; i < 3; i++) {
      expect(await admin.call("GET", "/apisix/admin/routes")).toMatchObject({ status: 400, body: { error_msg: "custom rejection" } });
    }
    faults.clear();
    expect((await admin.call("GET", "/apisix/admin/routes")).status).toBe(200);
  });

  test("hangNext holds the request until clear() drops the connection", async () => {
    faults.hangNext({ method: "PUT" });
    const pending = admin.call("PUT", "/apisix/admin/routes/r1", ROUTE).then(
      () => "answered",
      () => "dropped",
    );
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r("still hanging"), 300))]);
    expect(early).toBe("still hanging");
    faults.clear();
    expect(await pending).toBe("dropped");
    expect(admin.gw.store.get("routes", "r1")).toBeUndefined();
  });

  test("bad specs are refused", () => {
    expect(() => faults.failNext({ status: 42 })).toThrow("invalid fault status 42");
    expect(() => faults.failNext({ status: 500, count: 0 })).toThrow("invalid fault count 0");
  });
});

test("the fault switch cannot be reached over HTTP or from the CLI: a gateway started without one has none", async () => {
  const admin = await startAdmin();
  try {
    // nothing the Admin API exposes programs faults; an unknown resource is a plain 404
    const res = await admin.call("POST", "/apisix/admin/faults", { status: 500 });
    expect(res.status).toBe(404);
    expect((await admin.call("PUT", "/apisix/admin/routes/r1", ROUTE)).status).toBe(201);
  } finally {
    await admin.gw.close();
  }
  const { readFileSync } = await import("node:fs");
  const cli = readFileSync(require.resolve("../../lib/cli/gateway-command.ts"), "utf8");
  expect(cli).not.toMatch(/faults/i);
});
