/**
 * `requestSchemaFor`: the schema the hook parses its request with, derived from `gatewayRequestSchema` so that a run
 * builds only what it needs. It must accept and reject exactly what the union does, with the same issues, and a
 * request without a `release` (or `health_check`) block must not build those schemas.
 */
import { gatewayRequestSchema, requestSchemaFor } from "../../lib/model/gateway-request";
import { safeParseWithMessages } from "../../lib/schemas/parse-with-messages";

const gateway = { admin_url: "http://127.0.0.1:9180", flavor: "apisix", admin_key_env: "GATEWAY_ADMIN_KEY" };
const object = {
  kind: "object",
  method: "PUT",
  path: "/apisix/admin/services/shop",
  body: { upstream_id: "u" },
  gateway,
  construct_path: "s/shop",
};
const healthCheck = {
  service_id: "shop",
  path: "/healthz",
  expect_status: 200,
  timeout_ms: 500,
  targets: { blue: [{ scheme: "http", host: "127.0.0.1", port: 8001 }] },
};
const release = {
  step_interval_sec: 1,
  proxy_url: "http://127.0.0.1:9080",
  checks: [{ path: "/shop/health", method: "GET", expect_status: 200, count: 2 }],
  targets: { blue: [{ host: "127.0.0.1", port: 8001 }] },
};
const sweep = { kind: "sweep", owner: "o", keep: ["/apisix/admin/routes/r"], gateway, construct_path: "s/gw" };
const teardown = { kind: "teardown", owner: "o", gateway, construct_path: "s/gw" };

const inputs: Record<string, unknown> = {
  "object": object,
  "object with health_check": { ...object, health_check: healthCheck },
  "object with release": { ...object, release },
  "object with both": { ...object, health_check: healthCheck, release, legacy_owner: "s" },
  "object, bad path and timeout": { ...object, path: "/routes/r", gateway: { ...gateway, request_timeout_ms: 0 } },
  "object, bad release": { ...object, release: { ...release, steps: [50, 10], proxy_url: "ftp://x", checks: [{ path: "nope" }] } },
  "object, release null": { ...object, release: null },
  "object, bad health_check": { ...object, health_check: { ...healthCheck, expect_status: 42, targets: { blue: [{ scheme: "ftp" }] } } },
  "object, unknown key": { ...object, extra: 1 },
  "sweep": sweep,
  "sweep without keep": { ...sweep, keep: undefined },
  "teardown": teardown,
  "teardown, bad owner": { ...teardown, owner: "" },
  "unknown kind": { ...object, kind: "route" },
  "no kind": { path: "/apisix/admin/routes/r" },
  "array": [object],
  "null": null,
};

test.each(Object.entries(inputs))("%s: the same result and issues as gatewayRequestSchema", (_name, input) => {
  const json = JSON.parse(JSON.stringify(input)) as unknown;
  const expected = safeParseWithMessages(gatewayRequestSchema, json);
  const actual = safeParseWithMessages(requestSchemaFor(json), json);
  expect(actual.success).toBe(expected.success);
  if (expected.success) expect(actual.data).toEqual(expected.data);
  else expect(actual.error?.issues.map(({ path, message, code }) => ({ path, message, code }))).toEqual(
    expected.error.issues.map(({ path, message, code }) => ({ path, message, code })),
  );
});

/** Counts the builds of a `z.lazy` schema (its `getter`, which zod calls once, at first use). */
function countBuilds(lazy: unknown): { readonly count: number } {
  const def = (lazy as { _zod: { def: { getter: () => unknown } } })._zod.def;
  const builds = { count: 0 };
  const getter = def.getter;
  def.getter = () => {
    builds.count++;
    return getter();
  };
  return builds;
}

test("a request without release or health_check builds neither schema; one with them builds them", () => {
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const fresh = require("../../lib/model/gateway-request") as typeof import("../../lib/model/gateway-request");
    const { releaseInputSchema } = require("../../lib/release/release-input") as typeof import("../../lib/release/release-input");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const releaseBuilds = countBuilds(releaseInputSchema);
    const healthBuilds = countBuilds(fresh.healthCheckSchema);
    const builds = () => ({ release: releaseBuilds.count, health: healthBuilds.count });

    for (const input of [object, sweep, teardown]) expect(requestSchemaForIn(fresh, input).success).toBe(true);
    expect(builds()).toEqual({ release: 0, health: 0 });

    expect(requestSchemaForIn(fresh, { ...object, health_check: healthCheck }).success).toBe(true);
    expect(builds()).toEqual({ release: 0, health: 1 });
    for (let i = 0; i < 2; i++) expect(requestSchemaForIn(fresh, { ...object, health_check: healthCheck, release }).success).toBe(true);
    expect(builds()).toEqual({ release: 1, health: 1 });
  });
});

function requestSchemaForIn(module: typeof import("../../lib/model/gateway-request"), input: unknown) {
  return module.requestSchemaFor(input).safeParse(input);
}
