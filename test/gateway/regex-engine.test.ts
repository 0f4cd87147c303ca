/**
 * `~~` / `~*` in route `vars` through the gateway PROCESS (real HTTP): a pattern with catastrophic backtracking
 * (`^(a+)+$`) against a long client-controlled header answers promptly with the right result, and the Admin API
 * keeps answering meanwhile. With a backtracking engine the first request never comes back (the process spins on
 * the event loop), so these tests fail by jest timeout, not by a timing threshold. Patterns only PCRE can express
 * (lookahead, backreferences) keep working, on subjects up to BACKTRACKING_SUBJECT_LIMIT characters.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { request } from "undici";
import { BACKTRACKING_SUBJECT_LIMIT } from "../../lib/expr/pcre-regex";
import { startBackend, type Backend } from "../helper/backends";
import { freePort, startGatewayProcess, type GatewayProcess } from "../helper/gateway-process";

jest.setTimeout(30_000);

const KEY = "regex-Engine-Admin-Key-5c1e77";
let backend: Backend;
let gw: GatewayProcess;
let tmp: string;
let started = 0;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "bg-regex-"));
  backend = await startBackend("b");
});

// one gateway per test, so a test whose request spins the process does not take the others down with it
beforeEach(async () => {
  gw = await startGatewayProcess({
    adminPort: await freePort(),
    proxyPort: await freePort(),
    adminKey: KEY,
    stateFile: path.join(tmp, `state-${++started}.json`),
  });
});

afterEach(async () => {
  await gw?.kill("SIGKILL");
});

afterAll(async () => {
  await backend?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function putRoute(id: string, uri: string, vars: unknown): Promise<void> {
  const res = await request(`${gw.adminUrl}/apisix/admin/routes/${id}`, {
    method: "PUT",
    headers: { "x-api-key": KEY, "content-type": "application/json" },
    body: JSON.stringify({ uri, vars, upstream: { type: "roundrobin", nodes: { [`${backend.host}:${backend.port}`]: 1 } } }),
  });
  const text = await res.body.text();
  expect({ status: res.statusCode, text }).toMatchObject({ status: 201 });
}

/** Status of a GET through the proxy with one header. */
async function statusOf(uri: string, header: string, value: string): Promise<number> {
  const res = await request(gw.proxyUrl + uri, { method: "GET", headers: { [header]: value } });
  await res.body.text();
  return res.statusCode;
}

async function adminGetRoute(id: string): Promise<{ status: number; body: any }> {
  const res = await request(`${gw.adminUrl}/apisix/admin/routes/${id}`, { headers: { "x-api-key": KEY } });
  return { status: res.statusCode, body: await res.body.json() };
}

test("a catastrophic pattern on a long header: the right answer at once, and the Admin API is not stalled", async () => {
  await putRoute("redos", "/redos", [["http_x_probe", "~~", "^(a+)+$"]]);
  const evil = "a".repeat(5000) + "!";
  const proxied = statusOf("/redos", "x-probe", evil);
  const admin = adminGetRoute("redos");
  const [status, got] = await Promise.all([proxied, admin]);
  expect(status).toBe(404); // no match: the route is not taken
  expect(got.status).toBe(200);
  expect(got.body.value.vars).toEqual([["http_x_probe", "~~", "^(a+)+$"]]);
  // the linear engine has no length limit: a long matching value matches
  expect(await statusOf("/redos", "x-probe", "a".repeat(5000))).toBe(200);
});

test("~* stays case-insensitive and lookbehind runs in linear time on long values", async () => {
  await putRoute("ci", "/ci", [["http_user_agent", "~*", "^MOZILLA/5\\.0 "]]);
  await putRoute("lookbehind", "/lb", [["http_x_probe", "~~", "(?<!b)a+$"]]);
  const long = "x".repeat(4000);
  expect(await statusOf("/ci", "user-agent", `Mozilla/5.0 ${long}`)).toBe(200);
  expect(await statusOf("/ci", "user-agent", `curl/8 ${long}`)).toBe(404);
  expect(await statusOf("/lb", "x-probe", `${long}ca`)).toBe(200);
  expect(await statusOf("/lb", "x-probe", `${"a".repeat(5000)}`)).toBe(200);
  expect(await statusOf("/lb", "x-probe", `${long}b!`)).toBe(404);
});

test("lookahead and backreferences (PCRE only) still match, with a bounded subject length", async () => {
  await putRoute("lookahead", "/la", [["http_x_tenant", "~~", "^(?!internal-)[a-z]+-\\d+$"]]);
  await putRoute("backref", "/br", [["http_x_pair", "~~", "^(\\w+)=\\1$"]]);
  await putRoute("redos-la", "/redos-la", [["http_x_probe", "~~", "^(?=a)(a+)+$"]]);

  expect(await statusOf("/la", "x-tenant", "acme-42")).toBe(200);
  expect(await statusOf("/la", "x-tenant", "internal-42")).toBe(404);
  expect(await statusOf("/br", "x-pair", "ab=ab")).toBe(200);
  expect(await statusOf("/br", "x-pair", "ab=ba")).toBe(404);
  // a subject longer than the bound is not run through the backtracking engine: it never matches
  const long = "acme-" + "1".repeat(BACKTRACKING_SUBJECT_LIMIT);
  expect(await statusOf("/la", "x-tenant", long)).toBe(404);

  const evil = "a".repeat(5000) + "!";
  const [status, got] = await Promise.all([statusOf("/redos-la", "x-probe", evil), adminGetRoute("redos-la")]);
  expect(status).toBe(404);
  expect(got.status).toBe(200);
  expect(await statusOf("/redos-la", "x-probe", "a".repeat(BACKTRACKING_SUBJECT_LIMIT))).toBe(200);
});
