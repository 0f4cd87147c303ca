/**
 * Property, complementing test/expr/vars.test.ts (which draws structured rules from a small alphabet): `vars`
 * built from ANY JSON — objects where arrays belong, unicode, huge and fractional numbers, nesting — and conditions
 * whose operands are the hard part (random regexes for ~~ / ~*, random addresses and CIDRs for ipmatch, arrays and
 * objects for in / has, numeric strings for < / >) either fail compileVars with a VarsError carrying a message, or
 * compile, and then evaluate to the same boolean every time without throwing, whatever the request holds. The
 * same inputs sent as a route's `vars` to the gateway are a 201 or a 400 naming the problem, never a 5xx.
 */
import fc from "fast-check";
import { compileVars, evaluateVars, VarsError } from "../../lib/expr/vars";
import { startGateway, type RunningGateway } from "../../lib/gateway";

const NUM_RUNS = 500;

const unicode = fc.string({ unit: "grapheme", maxLength: 6 });
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53 + 1, 0.1, 1e-320),
);
const numericString = fc.oneof(number.map(String), fc.constantFrom("0x10", "1e3", " 7 ", "inf", "nan", "-", "1.", ".5", "１２"));
const regexSource = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("(", "[a-", "^a.*$", "(?i)abc", "\\d+", "a{2,1}", "(?<n>x)\\k<n>", "\\p{L}", "[[:alpha:]]", "(a|", "\\", "a**", "(?=x)", "\\Q.\\E", "$^", ""),
);
const ipOperand = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV4(), fc.integer({ min: -1, max: 40 })).map(([ip, bits]) => `${ip}/${bits}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: -1, max: 140 })).map(([ip, bits]) => `${ip}/${bits}`),
  fc.constantFrom("", "localhost", "1.2.3", "256.0.0.1", "::ffff:1.2.3.4", "1.2.3.4/", "/8", "0.0.0.0/0", "::/0"),
);
const scalar = fc.oneof(fc.string({ maxLength: 6 }), unicode, number, numericString, fc.boolean(), fc.constant(null));
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie("v"), { maxKeys: 3 }),
  ),
})).v;

const varName = fc.oneof(fc.constantFrom("arg_a", "http_x_env", "cookie_c", "uri", "remote_addr", "post_arg.k", "ARG_A", ""), unicode, number, json);
const operator = fc.oneof(
  fc.constantFrom("==", "~=", ">", "<", ">=", "<=", "~~", "~*", "in", "has", "ipmatch", "IN", "Has", "~=~", "=", "!"),
  unicode,
  json,
);
const operand = (op: unknown): fc.Arbitrary<unknown> => {
  switch (typeof op === "string" ? op.toLowerCase() : "") {
    case "~~":
    case "~*":
      return fc.oneof(regexSource, json);
    case "ipmatch":
      return fc.oneof(ipOperand, fc.array(ipOperand, { maxLength: 3 }), json);
    case "in":
    case "has":
      return fc.oneof(fc.array(scalar, { maxLength: 4 }), json);
    case ">":
    case "<":
    case ">=":
    case "<=":
      return fc.oneof(number, numericString, json);
    default:
      return json;
  }
};
const condition = fc.oneof(
  fc.tuple(varName, operator).chain(([name, op]) => operand(op).map((right) => [name, op, right])),
  fc.tuple(varName, operator).chain(([name, op]) => operand(op).map((right) => [name, "!", op, right])),
  fc.tuple(varName, scalar).map(([name, v]) => [name, v]),
  json,
);
/** Conditions with a real operator and a name, so that many rules compile and get evaluated. */
const wellFormed = fc
  .tuple(fc.constantFrom("arg_a", "http_x_env", "cookie_c", "uri", "remote_addr"), fc.constantFrom("==", "~=", ">", "<", ">=", "<=", "~~", "~*", "in", "has", "ipmatch"), fc.boolean())
  .chain(([name, op, not]) => operand(op).map((right) => (not ? [name, "!", op, right] : [name, op, right])));
const rule: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  r: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 3, arbitrary: fc.array(wellFormed, { minLength: 1, maxLength: 3 }) },
    fc.array(condition, { maxLength: 3 }),
    fc.tuple(fc.constantFrom("AND", "OR", "!AND", "!OR", "and", "!or", "NOT"), tie("r"), tie("r")),
    fc.array(tie("r"), { maxLength: 3 }),
    json,
  ),
})).r;

/** What a request variable may look up to: absent, a string, a number, multi-value arrays, unicode. */
const requestValue = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 6 }),
  unicode,
  numericString,
  number,
  fc.ipV4(),
  fc.ipV6(),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
);

let compiledCount = 0;

test("random vars: compile error with a message, or a deterministic boolean that never throws", () => {
  fc.assert(
    fc.property(rule, fc.func(requestValue), (vars, lookup) => {
      let compiled;
      try {
        compiled = compileVars(vars);
      } catch (err) {
        if (!(err instanceof VarsError)) throw new Error(`compileVars threw ${String(err)} (not a VarsError)`);
        return err.message.trim().length > 0;
      }
      compiledCount++;
      const first = evaluateVars(compiled, (name) => lookup(name));
      const second = evaluateVars(compiled, (name) => lookup(name));
      return typeof first === "boolean" && first === second;
    }),
    { numRuns: NUM_RUNS },
  );
  // the generators must reach evaluation often, not only compile errors
  expect(compiledCount).toBeGreaterThan(NUM_RUNS / 10);
});

describe("random vars through the gateway", () => {
  let gateway: RunningGateway;
  const KEY = "property-vars-key-88";
  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY });
  });
  afterAll(() => gateway?.close());

  test("a route or traffic-split match with random vars is stored or refused with error_msg, never 5xx; the data plane answers", async () => {
    const upstream = { type: "roundrobin", nodes: { "127.0.0.1:1": 1 } };
    await fc.assert(
      fc.asyncProperty(rule, fc.boolean(), async (vars, inSplit) => {
        const body = inSplit
          ? { uri: "/v", upstream, plugins: { "traffic-split": { rules: [{ match: [{ vars }], weighted_upstreams: [{ upstream, weight: 1 }] }] } } }
          : { uri: "/v", upstream, vars };
        const res = await fetch(`${gateway.adminUrl}/apisix/admin/routes/v`, {
          method: "PUT",
          headers: { "x-api-key": KEY },
          body: JSON.stringify(body),
        });
        const answer = (await res.json()) as { error_msg?: unknown };
        if (res.status >= 500) throw new Error(`${res.status} for ${JSON.stringify(vars)}: ${JSON.stringify(answer)}`);
        if (res.status >= 400 && !(typeof answer.error_msg === "string" && answer.error_msg.length > 0)) {
          throw new Error(`${res.status} without error_msg for ${JSON.stringify(vars)}`);
        }
        expect([200, 201, 400]).toContain(res.status);
        const proxied = await fetch(`${gateway.proxyUrl}/v?a=1`, { headers: { "x-env": "green", cookie: "c=1" } });
        await proxied.text();
        if (proxied.status === 500) throw new Error(`data plane 500 for ${JSON.stringify(vars)}`);
      }),
      { numRuns: 200 },
    );
  });
});
