/**
 * Property: whatever is sent to the embedded gateway's Admin API (both flavours) — random methods, paths, ids,
 * queries, keys and bodies (arbitrary JSON, weird types, huge numbers, deep nesting, unicode, near-valid objects
 * with one field of the wrong shape, malformed JSON) — it never answers 5xx, never crashes, every 4xx carries an
 * `error_msg` (or APISIX's `{"message": "Key not found"}` on a 404), every 2xx is a JSON envelope, the process-wide
 * Object.prototype is never touched, and the data plane still answers afterwards.
 */
import fc from "fast-check";
import { request } from "undici";
import { startGateway, type RunningGateway } from "../../lib/gateway";

jest.setTimeout(120_000);

const KEY = "property-admin-key-42f1";
const NUM_RUNS = 300;

type Flavor = "apisix" | "api7-ee";

// ---------------------------------------------------------------------------------------------------------------
// generators

const weirdString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom("", " ", "\u0000", "__proto__", "constructor", "prototype", "toString", "💥🚀", "é", "a".repeat(300), "..", "-", "*", "/a", "/*"),
);
const weirdNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 1e308, -1e308, 2 ** 53 + 2, 65536, 0.5, 1e-320, 100, 101),
);
const scalar = fc.oneof(weirdString, weirdNumber, fc.boolean(), fc.constant(null));
/** Arbitrary JSON with weird leaves. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(weirdString, tie("value"), { maxKeys: 4 }),
  ),
})).value;

const upstream = { type: "roundrobin", nodes: { "127.0.0.1:1": 1 } };
/** Valid-ish objects of every kind and flavour, to be mutated. */
const BASES: Record<string, unknown>[] = [
  { uri: "/a", upstream },
  { uris: ["/b/*"], methods: ["GET"], hosts: ["x.test"], priority: 1, vars: [["arg_k", "==", "v"]], upstream },
  { uri: "/c", service_id: "s1" },
  { name: "svc", upstream },
  { name: "svc", paths: ["/p"], service_id: "s1" },
  { type: "roundrobin", nodes: [{ host: "127.0.0.1", port: 1, weight: 1 }] },
  {
    uri: "/ts",
    upstream,
    plugins: {
      "traffic-split": {
        rules: [
          { match: [{ vars: [["http_x_env", "==", "green"]] }], weighted_upstreams: [{ upstream, weight: 100 }] },
          { weighted_upstreams: [{ upstream_id: "u1", weight: 90 }, { weight: 10 }] },
        ],
      },
    },
  },
  { name: "svc", upstream, labels: { "managed-by": "cdktf-apisix-bluegreen" }, hosts: ["a.test"], path_prefix: "/x" },
];
const FIELD_PATHS: string[][] = [
  ["id"], ["uri"], ["uris"], ["paths"], ["methods"], ["hosts"], ["host"], ["priority"], ["vars"], ["name"], ["desc"],
  ["labels"], ["labels", "k"], ["status"], ["service_id"], ["upstream_id"], ["route_id"], ["filter_func"], ["timeout"],
  ["upstream"], ["upstream", "nodes"], ["upstream", "type"], ["upstream", "scheme"], ["upstream", "pass_host"],
  ["upstream", "timeout"], ["upstream", "timeout", "connect"], ["upstream", "retries"], ["upstream", "upstream_host"],
  ["nodes"], ["nodes", "127.0.0.1:1"], ["type"], ["plugins"], ["plugins", "traffic-split"],
  ["plugins", "traffic-split", "rules"], ["plugins", "traffic-split", "rules", "0"],
  ["plugins", "traffic-split", "rules", "0", "match"], ["plugins", "traffic-split", "rules", "0", "match", "0", "vars"],
  ["plugins", "traffic-split", "rules", "0", "weighted_upstreams"],
  ["plugins", "traffic-split", "rules", "1", "weighted_upstreams", "0", "weight"],
  ["plugins", "traffic-split", "rules", "1", "weighted_upstreams", "0", "upstream_id"],
  ["plugins", "unknown-plugin"], ["__proto__"], ["constructor", "prototype"], ["create_time"], ["update_time"],
];

/** Sets `value` at `path` in a deep copy of `base`, creating objects (or array slots) as needed. */
function setPath(base: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  let cursor: any = out;
  for (const seg of path.slice(0, -1)) {
    if (cursor[seg] === null || typeof cursor[seg] !== "object") Object.defineProperty(cursor, seg, { value: {}, enumerable: true, writable: true, configurable: true });
    cursor = cursor[seg];
  }
  Object.defineProperty(cursor, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return out;
}

const nearValid = fc
  .tuple(fc.constantFrom(...BASES), fc.array(fc.tuple(fc.constantFrom(...FIELD_PATHS), anyJson), { minLength: 1, maxLength: 3 }))
  .map(([base, edits]) => edits.reduce((obj, [path, value]) => setPath(obj, path, value), base));

/** Nesting around and far beyond cjson's limit of 1000, bare or inside a field of a valid-looking object. */
const deepBody = fc
  .tuple(
    fc.constantFrom(2, 999, 1000, 1001, 5_000, 20_000, 100_000),
    fc.constantFrom("[", '{"a":'),
    fc.constantFrom(undefined, "labels", "desc", "vars", "plugins", "x", "upstream"),
  )
  .map(([depth, open, field]) => {
    const close = open === "[" ? "]" : "}";
    const inner = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return field === undefined ? inner : `{"uri":"/deep","name":"deep","upstream":${JSON.stringify(upstream)},"${field}":${inner}}`;
  });

/** JSON text with some numbers replaced by literals JavaScript cannot represent exactly. */
const hugeNumbers = fc.tuple(fc.constantFrom(...BASES), fc.constantFrom("1e400", "-1e400", "123456789012345678901234567890", "1e-400", "-0", "0.0000000000000000000001")).map(
  ([base, literal]) => JSON.stringify(base).replace(/(:|\[)(-?\d+(\.\d+)?)/, `$1${literal}`),
);

const malformed = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("{", "}", "[1,", '{"uri":', "nul", "undefined", "NaN", "{'a':1}", '{"a":1}garbage', "\uFEFF{}", "  ", "\u0000", '{"a":"\\ud800"}'),
  fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
);

const bodyText = fc.oneof(
  { weight: 3, arbitrary: nearValid.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: anyJson.map((v) => JSON.stringify(v) ?? "null") },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: deepBody },
  { weight: 1, arbitrary: hugeNumbers },
  { weight: 2, arbitrary: malformed },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const idSeg = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("r1", "s1", "u1", "1", "checkout", "checkout-blue") },
  { weight: 2, arbitrary: weirdString.filter((s) => s !== "").map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom("%zz", "%", "a%2Fb", "%00", "..", ".") },
);
const subPath = fc.oneof(
  fc.array(fc.constantFrom("plugins", "upstream", "nodes", "labels", "__proto__", "constructor", "prototype", "polluted", "x"), { maxLength: 3 }),
  fc.constantFrom(["__proto__", "polluted"], ["constructor", "prototype", "polluted"], ["upstream", "__proto__", "polluted"], ["__proto__"]),
);

/** Objects the test seeds (so GET/PATCH/DELETE and sub-path PATCHes often hit something that exists). */
const existing = fc
  .tuple(
    fc.constantFrom("/apisix/admin/routes/r1", "/apisix/admin/services/s1", "/apisix/admin/upstreams/u1", "/apisix/admin/services/s1/upstreams/u1"),
    subPath,
  )
  .map(([base, sub]) => [base, ...sub].join("/"));

const pathGen = fc.oneof(
  { weight: 4, arbitrary: existing },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom("routes", "services", "upstreams"), fc.option(idSeg, { nil: undefined }), subPath)
      .map(([kind, id, sub]) => ["/apisix/admin", kind, ...(id === undefined ? [] : [id, ...sub])].join("/")),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(idSeg, fc.option(idSeg, { nil: undefined }), subPath)
      .map(([sid, uid, sub]) => ["/apisix/admin/services", sid, "upstreams", ...(uid === undefined ? [] : [uid, ...sub])].join("/")),
  },
  { weight: 1, arbitrary: fc.constantFrom("/apisix/admin", "/apisix/admin/", "/apisix/admin/plugins", "/apisix/admin//routes", "/", "/apisix", "/apisix/admin/routes/") },
);

const queryGen = fc
  .array(
    fc.tuple(
      fc.constantFrom("name", "uri", "label", "labels[k]", "filter", "service_id", "upstream_id", "page", "page_size", "force", "x"),
      fc.oneof(fc.constantFrom("", "1", "10", "500", "501", "0", "-1", "true", "service_id=s1", "managed-by:x", "a.*", "(", "[", "^/a$"), fc.string({ maxLength: 6 })),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => pairs);

const requestGen = fc.record({
  method: fc.oneof({ weight: 10, arbitrary: fc.constantFrom("GET", "PUT", "POST", "PATCH", "DELETE") }, { weight: 1, arbitrary: fc.constantFrom("OPTIONS", "HEAD", "TRACE") }),
  path: pathGen,
  query: queryGen,
  group: fc.constantFrom(true, true, true, false),
  key: fc.constantFrom("right", "right", "right", "right", "right", "right", "wrong", "none"),
  body: bodyText,
});
type Req = typeof requestGen extends fc.Arbitrary<infer T> ? T : never;

// ---------------------------------------------------------------------------------------------------------------

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

async function send(gateway: RunningGateway, r: Req): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const params = new URLSearchParams(r.query);
  if (r.group && gateway.flavor === "api7-ee") params.set("gateway_group_id", "default");
  const qs = params.toString();
  const headers: Record<string, string> = {};
  if (r.key === "right") headers["x-api-key"] = KEY;
  if (r.key === "wrong") headers["x-api-key"] = "not-the-key";
  if (r.body !== undefined) headers["content-type"] = "application/json";
  const res = await request(`${gateway.adminUrl}${r.path}${qs ? `?${qs}` : ""}`, {
    method: r.method,
    headers,
    body: r.method === "GET" || r.method === "HEAD" || r.method === "TRACE" ? undefined : r.body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, headers: res.headers };
}

function checkAnswer(r: Req, res: { status: number; text: string }): void {
  const where = `${r.method} ${r.path} -> ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`5xx: ${where}`);
  if (r.method === "HEAD") return;
  let body: any;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw new Error(`not JSON: ${where}`);
  }
  if (res.status >= 400) {
    const ok =
      (typeof body?.error_msg === "string" && body.error_msg.length > 0) || (res.status === 404 && body?.message === "Key not found");
    if (!ok) throw new Error(`4xx without error_msg: ${where}`);
  } else if (res.status >= 200 && res.status < 300) {
    const ok = body !== null && typeof body === "object" && ("value" in body || "list" in body || "deleted" in body);
    if (!ok) throw new Error(`2xx without an envelope: ${where}`);
  } else {
    throw new Error(`unexpected status: ${where}`);
  }
}

describe.each<Flavor>(["apisix", "api7-ee"])("Admin API under random input (%s)", (flavor) => {
  let gateway: RunningGateway;
  const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";

  async function seed(): Promise<void> {
    const put = async (path: string, body: unknown) => {
      const res = await fetch(`${gateway.adminUrl}${path}${q}`, {
        method: "PUT",
        headers: { "x-api-key": KEY, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`seed ${path}: ${res.status} ${await res.text()}`);
    };
    if (flavor === "apisix") {
      await put("/apisix/admin/upstreams/u1", upstream);
      await put("/apisix/admin/services/s1", { upstream_id: "u1" });
      await put("/apisix/admin/routes/r1", { uri: "/a", service_id: "s1" });
    } else {
      await put("/apisix/admin/services/s1", { name: "s1", upstream });
      await put("/apisix/admin/services/s1/upstreams/u1", upstream);
      await put("/apisix/admin/routes/r1", { name: "r1", paths: ["/a"], service_id: "s1" });
    }
  }

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor });
    await seed();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("never 5xx, never a crash, every 4xx explains itself", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestGen, { minLength: 1, maxLength: 4 }), async (requests) => {
        await seed();
        for (const r of requests) {
          checkAnswer(r, await send(gateway, r));
          expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS);
        }
        // the data plane still answers (no internal error) with whatever the store now holds
        const proxied = await request(`${gateway.proxyUrl}/a`, { headers: { "x-env": "green" }, headersTimeout: 10_000 });
        const text = await proxied.body.text();
        if (proxied.statusCode === 500 && !text.includes("failed to fetch upstream info")) {
          throw new Error(`data plane 500: ${text}`);
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // and the seeded objects can still be read
    expect((await fetch(`${gateway.adminUrl}/apisix/admin/routes${q}`, { headers: { "x-api-key": KEY } })).status).toBe(200);
  });
});

describe("regressions found by the property above", () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY });
    const res = await fetch(`${gateway.adminUrl}/apisix/admin/routes/r1`, {
      method: "PUT",
      headers: { "x-api-key": KEY },
      body: JSON.stringify({ uri: "/a", upstream }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => gateway?.close());

  const patch = async (path: string, body: string) => {
    const res = await fetch(`${gateway.adminUrl}${path}`, { method: "PATCH", headers: { "x-api-key": KEY }, body });
    return { status: res.status, body: (await res.json()) as { error_msg?: string } };
  };

  test("a sub-path PATCH through __proto__ is refused and Object.prototype is untouched", async () => {
    expect(await patch("/apisix/admin/routes/r1/__proto__/polluted", '"yes"')).toEqual({
      status: 400,
      body: { error_msg: "invalid sub-path: /__proto__/polluted" },
    });
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS);
    // and the gateway still accepts ordinary writes
    expect((await patch("/apisix/admin/routes/r1", '{"desc":"still fine"}')).status).toBe(200);
  });

  test("a __proto__ key in a PATCH body is validated like any other key (as PUT does)", async () => {
    expect(await patch("/apisix/admin/routes/r1", '{"__proto__":{"upstream_id":"zz"}}')).toEqual({
      status: 400,
      body: { error_msg: "invalid configuration: additional properties forbidden, found __proto__" },
    });
  });

  test("a body nested deeper than 1000 is a 400 (cjson's limit), not a stack overflow", async () => {
    const deep = `{"x":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`;
    const res = await patch("/apisix/admin/routes/r1", deep);
    expect(res.status).toBe(400);
    expect(res.body.error_msg).toBe("invalid request body: Found too many nested data structures (1001) at character 5001");
    const ok = `{"labels":{"k":"v"},"desc":${JSON.stringify("x")}}`;
    expect((await patch("/apisix/admin/routes/r1", ok)).status).toBe(200);
  });
});
