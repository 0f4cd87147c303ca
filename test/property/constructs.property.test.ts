/**
 * Property: random construct props — valid ones with one to three fields replaced by arbitrary values (wrong types,
 * unicode, huge numbers, empty strings, tokens of the wrong kind, nested garbage) — either synthesize to valid
 * Terraform JSON, or throw an Error whose message starts with `invalid props at <construct path>: ` and names the
 * construct that was given the bad props (or one built from it), never a TypeError from deep inside.
 */
import { Testing } from "cdktf";
import fc from "fast-check";
import type { Construct } from "constructs";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";

const NUM_RUNS = 300;

const weird = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.constantFrom("", " ", "http://", "https://[::1]:9180", "ftp://x", "http://127.0.0.1:9180/path", "GET", "get", "green", "purple", "*", "/", "/a*", "a".repeat(300), "__proto__", "${TOKEN}", "X-Env", "X Env"),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1.5, 65536, 1e308, Number.NaN, Infinity, -0, 99, 100),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    weird,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("host", "port", "weight", "nodes", "header", "x", "insecureSkipVerify", "caFile"), tie("v"), { maxKeys: 3 }),
  ),
})).v;

type Props = Record<string, unknown>;

const BASE = {
  gateway: { adminUrl: "http://127.0.0.1:9180", flavor: "apisix" } as Props,
  service: {
    serviceId: "checkout",
    blue: { nodes: [{ host: "10.0.0.1", port: 8080 }], scheme: "http", passHost: "node" },
    green: { nodes: [{ host: "10.0.0.2", port: 8080, weight: 2 }] },
    active: "blue",
    canaryPercent: 10,
    preview: { header: "X-Env" },
  } as Props,
  route: { routeId: "orders", paths: ["/orders/*"], methods: ["GET", "POST"], hosts: ["shop.test"], priority: 1 } as Props,
};

const FIELDS: Record<keyof typeof BASE, string[][]> = {
  gateway: [["adminUrl"], ["flavor"], ["gatewayGroupId"], ["adminKeyEnv"], ["tls"], ["tls", "insecureSkipVerify"], ["tls", "caFile"], ["owner"], ["requestTimeoutMs"], ["retryBudgetMs"], ["unknownProp"]],
  service: [
    ["serviceId"], ["name"], ["active"], ["canaryPercent"], ["retireIdle"], ["adopt"], ["blue"], ["green"], ["blue", "nodes"],
    ["blue", "nodes", "0"], ["blue", "nodes", "0", "host"], ["blue", "nodes", "0", "port"], ["green", "nodes", "0", "weight"],
    ["blue", "scheme"], ["blue", "passHost"], ["blue", "upstreamHost"], ["green", "connectTimeoutSec"], ["green", "readTimeoutSec"],
    ["blue", "retries"], ["preview"], ["preview", "header"], ["preview", "greenValue"], ["preview", "blueValue"], ["unknownProp"],
  ],
  route: [["routeId"], ["name"], ["methods"], ["methods", "0"], ["paths"], ["paths", "0"], ["hosts"], ["hosts", "0"], ["priority"], ["adopt"], ["unknownProp"]],
};

function setPath(base: Props, path: string[], v: unknown): Props {
  const out = structuredClone(base);
  let cursor: any = out;
  for (const seg of path.slice(0, -1)) {
    if (cursor[seg] === null || typeof cursor[seg] !== "object") cursor[seg] = {};
    cursor = cursor[seg];
  }
  cursor[path[path.length - 1]] = v;
  return out;
}

const ORDER = ["gateway", "service", "route"] as const;
type Which = (typeof ORDER)[number];

const scenario = fc
  .tuple(fc.constantFrom<Which>(...ORDER), fc.constantFrom("apisix", "api7-ee"))
  .chain(([which, flavor]) =>
    fc.array(fc.tuple(fc.constantFrom(...FIELDS[which]), value), { minLength: 1, maxLength: 3 }).map((edits) => {
      const props: Record<Which, Props> = {
        gateway: { ...BASE.gateway, flavor, ...(flavor === "api7-ee" ? { gatewayGroupId: "default" } : {}) },
        service: BASE.service,
        route: flavor === "api7-ee" ? { ...BASE.route, hosts: undefined } : BASE.route,
      };
      props[which] = edits.reduce((p, [path, v]) => setPath(p, path, v), props[which]);
      return { which, flavor, props, edits };
    }),
  );

test("random props synthesize or fail with a message naming the construct path", () => {
  let synthesized = 0;
  fc.assert(
    fc.property(scenario, ({ which, props }) => {
      let out: string;
      try {
        out = Testing.synthScope((scope: Construct) => {
          const gateway = new GatewayConnection(scope, "gateway", props.gateway as any);
          const service = new BlueGreenService(scope, "service", { ...(props.service as any), gateway });
          new BlueGreenRoute(scope, "route", { ...(props.route as any), service });
        });
      } catch (err) {
        if (!(err instanceof Error)) throw new Error(`threw a non-Error: ${String(err)}`);
        // the construct given bad props, or one built after it from its output, is named
        const allowed = ORDER.slice(ORDER.indexOf(which)).join("|");
        const m = new RegExp(`^invalid props at [^ ]*/(${allowed})(/[^ ]*)?: \\S`).exec(err.message);
        if (!m) throw new Error(`message does not name the ${which} construct path: ${err.message}\n${err.stack}`);
        return;
      }
      synthesized++;
      const json = JSON.parse(out) as { resource?: { terraform_data?: Record<string, unknown> } };
      expect(Object.keys(json.resource?.terraform_data ?? {}).length).toBeGreaterThanOrEqual(3);
    }),
    { numRuns: NUM_RUNS },
  );
  // some mutations are harmless (e.g. a valid name); make sure the success path is exercised too
  expect(synthesized).toBeGreaterThan(0);
});
