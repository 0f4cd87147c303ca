/**
 * The release checks against real HTTP servers: each answer judged on its status, body and headers, every failure
 * described for the deploy's error message, and the service's first plain host sent when a check names no Host.
 */
import { createServer } from "node:net";
import { describeFailedChecks, runChecks } from "../../lib/release/checks";
import type { ReleaseCheck } from "../../lib/release/release-input";
import { startBackend, type Backend } from "../helper/backends";

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend("blue", { host: "127.0.0.2" });
});
afterAll(() => backend.close());
afterEach(() => {
  backend.status = 200;
  backend.delayMs = 0;
});

const check = (over: Partial<ReleaseCheck> = {}): ReleaseCheck => ({ path: "/health", method: "GET", expect_status: 200, count: 1, timeout_ms: 2_000, ...over });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("runChecks", () => {
  it("passes answers with the expected status, body and headers, and sends the preview header and the first plain host", async () => {
    const outcome = await runChecks(backend.url, [check({ count: 3, expect_body_contains: '"x-env":"green"', expect_headers: { "X-Backend": "blue" } })], {
      header: { name: "X-Env", value: "green" },
      hosts: ["*.shop.test", "shop.test"],
    });
    expect(outcome).toEqual({ total: 3, failed: [] });
    const host = await runChecks(backend.url, [check({ expect_body_contains: '"host":"shop.test"' })], { hosts: ["*.shop.test", "shop.test"] });
    expect(host.failed).toEqual([]);
    const own = await runChecks(backend.url, [check({ headers: { Host: "other.test" }, expect_body_contains: '"host":"other.test"' })], { hosts: ["shop.test"] });
    expect(own.failed).toEqual([]);
  });

  it("says why each answer failed", async () => {
    backend.status = 500;
    const status = await runChecks(backend.url, [check({ path: "/shop/health", count: 5 })], { header: { name: "X-Env", value: "green" } });
    expect(describeFailedChecks(status, { name: "X-Env", value: "green" })).toBe(
      "5 of 5 checks with X-Env: green failed (GET /shop/health -> 500, expected 200)",
    );
    backend.status = 200;
    const body = await runChecks(backend.url, [check({ expect_body_contains: "ready" })]);
    expect(body.failed.map((f) => f.reason)).toEqual(['200, but the body does not contain "ready"']);
    const header = await runChecks(backend.url, [check({ expect_headers: { "X-Backend": "green", "X-Version": "2" } })]);
    expect(header.failed.map((f) => f.reason)).toEqual(['200, but header X-Backend is "blue", expected "green"']);
    backend.delayMs = 500;
    const slow = await runChecks(backend.url, [check({ timeout_ms: 100 })]);
    expect(slow.failed.map((f) => f.reason)).toEqual(["no answer within 100 ms"]);
    const port = await closedPort();
    const down = await runChecks(`http://127.0.0.1:${port}`, [check({ count: 2 })]);
    expect(down.failed.map((f) => f.reason)).toEqual([expect.stringMatching(/^no answer: .*ECONNREFUSED/), expect.stringMatching(/ECONNREFUSED/)]);
    expect(describeFailedChecks(down)).toMatch(/^2 of 2 checks failed \(GET \/health -> no answer: .*ECONNREFUSED.*\)$/);
  });

  it("throws the abort reason of an interrupted run", async () => {
    backend.delayMs = 1_000;
    const abort = new AbortController();
    const running = runChecks(backend.url, [check({ count: 3 })], { signal: abort.signal });
    setTimeout(() => abort.abort(new Error("interrupted (SIGINT)")), 50);
    await expect(running).rejects.toThrow("interrupted (SIGINT)");
  });
});
