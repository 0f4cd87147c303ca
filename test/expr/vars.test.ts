import fc from "fast-check";
import { BACKTRACKING_SUBJECT_LIMIT } from "../../lib/expr/pcre-regex";
import { compileVars, evaluateVars, VarsError, type VarLookup } from "../../lib/expr/vars";

const lookupOf =
  (vars: Record<string, unknown>): VarLookup =>
  (name) =>
    vars[name];

function run(rule: unknown, vars: Record<string, unknown> = {}): boolean {
  return evaluateVars(compileVars(rule), lookupOf(vars));
}

function errorOf(rule: unknown): string {
  try {
    compileVars(rule);
  } catch (err) {
    expect(err).toBeInstanceOf(VarsError);
    return (err as Error).message;
  }
  throw new Error("compiled without error");
}

describe("compile errors (lua-resty-expr v1.3.2 messages)", () => {
  test.each<[unknown, string]>([
    [[["arg_k", "=", "v"]], "invalid operator '='"],
    [[["arg_k", "123", "v"]], "invalid operator '123'"],
    [[["arg_k", 123, "v"]], "invalid operator '123'"],
    [[["arg_k"]], "invalid expression"],
    [[[]], "rule too short"],
    [[["!", "arg_k", "==", "1"]], "bad 'not' expression"],
    [[["arg_k", "not", "==", "1"]], "bad 'not' expression"],
    [["OR", ["arg_weight", ">", 10]], "rule too short"],
    [["OR", ["arg_weight", ">", 10], ["AND"]], "rule too short"],
    [["arg_k", "==", "v"], "rule should be wrapped inside brackets"],
    [[["remote_addr", "ipmatch"]], "invalid ip address"],
    [[["remote_addr", "ipmatch", ""]], "invalid ip address"],
    [[["remote_addr", "ipmatch", []]], "invalid ip address"],
    [[["remote_addr", "ipmatch", null]], "invalid ip address"],
    [[["remote_addr", "ipmatch", [""]]], "invalid ip address: "],
    [[["remote_addr", "ipmatch", "1.2.3.4/33"]], "invalid ip address: 1.2.3.4/33"],
    [[["remote_addr", "ipmatch", ["127.0.0.1", "nope"]]], "invalid ip address: nope"],
    [[[["arg_k", "==", "v"], ["AND", ["arg_a", "==", "1"]]]], "rule too short"],
    [[[["arg_k", "==", "v"], ["arg_k", "=~", "v"]]], "invalid operator '=~'"],
  ])("%j → %s", (rule, message) => {
    expect(errorOf(rule)).toBe(message);
  });

  test("missing rule", () => {
    expect(errorOf(undefined)).toBe("missing argument rule");
    expect(errorOf("x")).toBe("rule should be an array");
  });

  test("invalid regex fails at compile time", () => {
    expect(errorOf([["uri", "~~", "(unclosed"]])).toMatch(/^failed to compile regex '\(unclosed'/);
    expect(errorOf([["uri", "~*", "[a-"]])).toMatch(/failed to compile regex/);
  });

  test("non-string operator and first elements use Lua's errors", () => {
    expect(errorOf([["arg_k", true, "v"]])).toBe("bad argument #1 to 'lower' (string expected, got boolean)");
    expect(errorOf([true])).toBe("bad argument #1 to 'upper' (string expected, got boolean)");
    expect(errorOf([["a", "==", "b"], 5])).toBe("attempt to get length of a number value");
  });
});

describe("structure", () => {
  test("empty vars is always true", () => {
    expect(run([])).toBe(true);
  });

  test("top-level conditions are ANDed", () => {
    const rule = [
      ["arg_a", "==", "1"],
      ["arg_b", "==", "2"],
    ];
    expect(run(rule, { arg_a: "1", arg_b: "2" })).toBe(true);
    expect(run(rule, { arg_a: "1", arg_b: "3" })).toBe(false);
  });

  test("2-element form means == (value lower-cased, as lua-resty-expr does)", () => {
    expect(run([["arg_k", "v"]], { arg_k: "v" })).toBe(true);
    expect(run([["arg_k", "V"]], { arg_k: "V" })).toBe(false);
    expect(run([["arg_k", "V"]], { arg_k: "v" })).toBe(true);
  });

  test("nested logic groups, case-insensitive logic op", () => {
    const rule = ["or", ["arg_a", "==", "1"], ["AND", ["arg_b", "==", "2"], ["arg_c", "==", "3"]]];
    expect(run(rule, { arg_a: "1" })).toBe(true);
    expect(run(rule, { arg_b: "2", arg_c: "3" })).toBe(true);
    expect(run(rule, { arg_b: "2" })).toBe(false);
  });

  test("!AND and !OR", () => {
    const notAnd = ["!AND", ["arg_a", "==", "1"], ["arg_b", "==", "2"]];
    expect(run(notAnd, { arg_a: "1", arg_b: "2" })).toBe(false);
    expect(run(notAnd, { arg_a: "1" })).toBe(true);
    const notOr = ["!or", ["arg_a", "==", "1"], ["arg_b", "==", "2"]];
    expect(run(notOr, {})).toBe(true);
    expect(run(notOr, { arg_b: "2" })).toBe(false);
  });

  test("implicit AND lists nest inside groups", () => {
    const rule = [["OR", [["arg_a", "==", "1"], ["arg_b", "==", "2"]], ["arg_c", "==", "3"]]];
    expect(run(rule, { arg_a: "1", arg_b: "2" })).toBe(true);
    expect(run(rule, { arg_a: "1" })).toBe(false);
    expect(run(rule, { arg_c: "3" })).toBe(true);
  });

  test("operators are lower-cased", () => {
    expect(run([["arg_k", "IN", ["a", "b"]]], { arg_k: "b" })).toBe(true);
    expect(run([["remote_addr", "IPMATCH", "10.0.0.0/8"]], { remote_addr: "10.1.2.3" })).toBe(true);
  });
});

describe("operators", () => {
  test("== string and number", () => {
    expect(run([["arg_k", "==", "v"]], { arg_k: "v" })).toBe(true);
    expect(run([["arg_k", "==", "v"]], {})).toBe(false);
    expect(run([["arg_k", "==", 10]], { arg_k: "10" })).toBe(true);
    expect(run([["arg_k", "==", 10]], { arg_k: "10.0" })).toBe(true);
    expect(run([["arg_k", "==", 16]], { arg_k: "0x10" })).toBe(true);
    expect(run([["arg_k", "==", 10]], { arg_k: "abc" })).toBe(false);
    expect(run([["arg_k", "==", "10"]], { arg_k: "10.0" })).toBe(false);
    expect(run([["arg_k", "==", true]], { arg_k: "true" })).toBe(false);
    expect(run([["arg_k", "==", null]], {})).toBe(true);
  });

  test("~= is the inverse, including nil and non-numeric quirks", () => {
    expect(run([["arg_k", "~=", "v"]], { arg_k: "v" })).toBe(false);
    expect(run([["arg_k", "~=", "v"]], { arg_k: "w" })).toBe(true);
    expect(run([["arg_k", "~=", "v"]], {})).toBe(true);
    expect(run([["arg_k", "~=", 10]], { arg_k: "abc" })).toBe(true);
    expect(run([["arg_k", "~=", 10]], {})).toBe(true);
    expect(run([["arg_k", "~=", 10]], { arg_k: "10" })).toBe(false);
  });

  test.each([
    [">", "11", true],
    [">", "10", false],
    [">=", "10", true],
    ["<", "9", true],
    ["<", "10", false],
    ["<=", "10", true],
    [">", "abc", false],
    ["<", "abc", false],
  ])("%s with l=%s", (op, l, expected) => {
    expect(run([["arg_k", op, 10]], { arg_k: l })).toBe(expected);
    expect(run([["arg_k", op, "10"]], { arg_k: l })).toBe(expected);
  });

  test("numeric comparisons with missing l or non-numeric r are false", () => {
    expect(run([["arg_k", ">", 1]], {})).toBe(false);
    expect(run([["arg_k", "<", "x"]], { arg_k: "1" })).toBe(false);
    expect(run([["arg_k", ">=", " 5 "]], { arg_k: "5" })).toBe(true);
  });

  test("~~ is an unanchored regex, ~* case-insensitive", () => {
    expect(run([["uri", "~~", "/api/v[0-9]+"]], { uri: "/x/api/v2/y" })).toBe(true);
    expect(run([["uri", "~~", "^/api$"]], { uri: "/api/x" })).toBe(false);
    expect(run([["uri", "~~", "API"]], { uri: "/api" })).toBe(false);
    expect(run([["uri", "~*", "API"]], { uri: "/api" })).toBe(true);
    expect(run([["uri", "~~", "x"]], {})).toBe(false);
    expect(run([["http_ua", "~~", "\\Achrome\\z"]], { http_ua: "chrome" })).toBe(true);
    expect(run([["http_ua", "~~", "(?i)chrome"]], { http_ua: "Chrome" })).toBe(true);
    expect(run([["http_ua", "~~", "(?P<n>ab)c"]], { http_ua: "abc" })).toBe(true);
  });

  test("PCRE syntax a JavaScript RegExp reads differently: POSIX classes, \\Q…\\E, \\p{..}, inline flags, \\Z", () => {
    expect(run([["arg_k", "~~", "^[[:alpha:]]+$"]], { arg_k: "abc" })).toBe(true);
    expect(run([["arg_k", "~~", "^[[:alpha:]]+$"]], { arg_k: "ab1" })).toBe(false);
    expect(run([["arg_k", "~~", "^\\Q.*\\E$"]], { arg_k: ".*" })).toBe(true);
    expect(run([["arg_k", "~~", "^\\Q.*\\E$"]], { arg_k: "ab" })).toBe(false);
    expect(run([["arg_k", "~~", "^\\p{L}+$"]], { arg_k: "été" })).toBe(true);
    expect(run([["arg_k", "~~", "a(?i)b"]], { arg_k: "aB" })).toBe(true);
    expect(run([["arg_k", "~~", "a(?i)b"]], { arg_k: "AB" })).toBe(false);
    expect(run([["arg_k", "~~", "^v1\\Z"]], { arg_k: "v1\n" })).toBe(true);
    expect(run([["arg_k", "~~", "^v1\\Z"]], { arg_k: "v1x" })).toBe(false);
    expect(run([["arg_k", "~~", "^v1\\\\Z"]], { arg_k: "v1\\Z" })).toBe(true);
  });

  test("lookahead and backreferences run on subjects up to BACKTRACKING_SUBJECT_LIMIT characters", () => {
    const rule = [["arg_k", "~~", "^(?!x)(\\w)\\1"]];
    expect(run(rule, { arg_k: "aa" })).toBe(true);
    expect(run(rule, { arg_k: "ab" })).toBe(false);
    expect(run(rule, { arg_k: "xx" })).toBe(false);
    expect(run(rule, { arg_k: "a".repeat(BACKTRACKING_SUBJECT_LIMIT) })).toBe(true);
    expect(run(rule, { arg_k: "a".repeat(BACKTRACKING_SUBJECT_LIMIT + 1) })).toBe(false);
    expect(run([["arg_k", "!", "~~", "^(?=a)"]], { arg_k: "a".repeat(BACKTRACKING_SUBJECT_LIMIT + 1) })).toBe(true);
    // captureless lookbehind has no such limit
    expect(run([["arg_k", "~~", "(?<!b)c$"]], { arg_k: "a".repeat(1000) + "c" })).toBe(true);
  });

  test("in uses raw equality", () => {
    expect(run([["arg_k", "in", ["a", "b"]]], { arg_k: "a" })).toBe(true);
    expect(run([["arg_k", "in", ["a", "b"]]], { arg_k: "c" })).toBe(false);
    expect(run([["arg_k", "in", [1, 2]]], { arg_k: "1" })).toBe(false);
    expect(run([["arg_k", "in", "a"]], { arg_k: "a" })).toBe(false);
    expect(run([["arg_k", "in", ["a"]]], {})).toBe(false);
  });

  test("has: l is an array containing r", () => {
    expect(run([["x", "has", "a"]], { x: ["a", "b"] })).toBe(true);
    expect(run([["x", "has", "c"]], { x: ["a", "b"] })).toBe(false);
    expect(run([["x", "has", "a"]], { x: "a" })).toBe(false);
  });

  test("ipmatch v4, v6, CIDR, arrays", () => {
    expect(run([["remote_addr", "ipmatch", "127.0.0.1"]], { remote_addr: "127.0.0.1" })).toBe(true);
    expect(run([["remote_addr", "ipmatch", "127.0.0.0/16"]], { remote_addr: "127.0.200.1" })).toBe(true);
    expect(run([["remote_addr", "ipmatch", ["127.0.0.2", "127.0.0.3"]]], { remote_addr: "127.0.0.1" })).toBe(false);
    expect(run([["remote_addr", "ipmatch", ["::1"]]], { remote_addr: "::1" })).toBe(true);
    expect(run([["remote_addr", "ipmatch", "2001:db8::/32"]], { remote_addr: "2001:db8:1::5" })).toBe(true);
    expect(run([["remote_addr", "ipmatch", "2001:db8::/32"]], { remote_addr: "2001:db9::5" })).toBe(false);
    expect(run([["remote_addr", "ipmatch", "::ffff:0:0/96"]], { remote_addr: "::ffff:1.2.3.4" })).toBe(true);
    expect(run([["remote_addr", "ipmatch", "0.0.0.0/0"]], { remote_addr: "::1" })).toBe(false);
    expect(run([["remote_addr", "ipmatch", "0.0.0.0/0"]], { remote_addr: "garbage" })).toBe(false);
    expect(run([["remote_addr", "ipmatch", "0.0.0.0/0"]], {})).toBe(false);
  });

  test("! negation inverts: missing or non-numeric arg_age matches ['!','<','16']", () => {
    const rule = [["arg_age", "!", "<", "16"]];
    expect(run(rule, { arg_age: "14" })).toBe(false);
    expect(run(rule, { arg_age: "16" })).toBe(true);
    expect(run(rule, {})).toBe(true);
    expect(run(rule, { arg_age: "old" })).toBe(true);
    expect(run([["arg_k", "!", "~~", "^a"]], { arg_k: "abc" })).toBe(false);
  });

  test("! inside OR groups", () => {
    const rule = ["OR", ["arg_a", "!", "==", "1"], ["arg_b", "==", "2"]];
    expect(run(rule, { arg_a: "1" })).toBe(false);
    expect(run(rule, { arg_a: "2" })).toBe(true);
    expect(run(rule, { arg_a: "1", arg_b: "2" })).toBe(true);
  });
});

describe("property: random expressions", () => {
  const scalar = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -50, max: 50 }),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom("==", "~=", ">", "<", ">=", "<=", "~~", "~*", "in", "has", "ipmatch", "!", "AND", "or", "!OR", "127.0.0.1", "(", "["),
  );
  const expr = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar,
      fc.array(tie("node"), { maxLength: 5 }),
      fc.tuple(fc.constantFrom("arg_a", "http_x", "uri"), fc.constantFrom("==", "~~", "in", "<", "ipmatch", "!"), scalar),
    ),
  })).node;
  const lookupValue = fc.oneof(fc.string({ maxLength: 5 }), fc.constant(undefined), fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }));

  test("either fails compileVars with a VarsError or evaluates to a boolean without throwing", () => {
    fc.assert(
      fc.property(expr, lookupValue, (rule, value) => {
        let compiled;
        try {
          compiled = compileVars(rule);
        } catch (err) {
          return err instanceof VarsError && typeof err.message === "string" && err.message.length > 0;
        }
        const result = evaluateVars(compiled, () => value);
        return typeof result === "boolean";
      }),
      { numRuns: 2000 },
    );
  });
});
