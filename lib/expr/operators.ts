/**
 * lua-resty-expr v1.3.2 comparison operators. Each operator is compiled once with its configured right-hand
 * value into a predicate over the request value (`l`), reproducing Lua semantics (tonumber, raw equality, nil).
 */
import { compileIpMatcher } from "./ip-match";
import { luaCoerceString, luaRawEquals, luaToNumber, luaType } from "./lua-values";
import { compilePcre, type PcreMatcher } from "./pcre-regex";

/** A compiled comparison: request value → result. Never throws. */
export type Predicate = (left: unknown) => boolean;

/** The operator names lua-resty-expr knows (after lower-casing). */
export const OPERATORS: ReadonlySet<string> = new Set([
  "==", "~=", ">", ">=", "<", "<=", "~~", "~*", "in", "has", "ipmatch",
]);

/** Thrown by compileOperator; the caller turns it into a VarsError. */
export class OperatorCompileError extends Error {}

/** Compiles `op` (already lower-cased and known) with right value `right` (JSON null means nil). */
export function compileOperator(op: string, right: unknown): Predicate {
  const r = right === null ? undefined : right;
  switch (op) {
    case "==":
      return compileEquals(r);
    case "~=": {
      if (typeof r === "number") return (l) => {
        const n = luaToNumber(l);
        return n === undefined ? true : n !== r;
      };
      return (l) => !luaRawEquals(l, r);
    }
    case ">":
    case ">=":
    case "<":
    case "<=":
      return compileNumeric(op, r);
    case "~~":
    case "~*":
      return compileRegex(op, r);
    case "in":
      return compileIn(r);
    case "has":
      return (l) => Array.isArray(l) && l.some((v) => luaRawEquals(v, r));
    case "ipmatch":
      return compileIpmatch(right);
    default:
      throw new OperatorCompileError(`invalid operator '${op}'`);
  }
}

function compileEquals(r: unknown): Predicate {
  if (typeof r === "number") return (l) => luaToNumber(l) === r;
  return (l) => luaRawEquals(l, r);
}

function compileNumeric(op: string, r: unknown): Predicate {
  const rn = luaToNumber(r);
  if (rn === undefined) return () => false;
  const cmp: (a: number) => boolean =
    op === ">" ? (a) => a > rn : op === ">=" ? (a) => a >= rn : op === "<" ? (a) => a < rn : (a) => a <= rn;
  return (l) => {
    const ln = luaToNumber(l);
    return ln === undefined ? false : cmp(ln);
  };
}

function compileRegex(op: string, r: unknown): Predicate {
  const pattern = luaCoerceString(r);
  if (pattern === undefined) {
    throw new OperatorCompileError(`bad argument #2 to 'find' (string expected, got ${luaType(r)})`);
  }
  let matches: PcreMatcher;
  try {
    matches = compilePcre(pattern, op === "~*");
  } catch (err) {
    throw new OperatorCompileError(err instanceof Error ? err.message : String(err));
  }
  return (l) => {
    if (l === undefined || l === null || l === false) return false;
    const subject = luaCoerceString(l);
    return subject !== undefined && matches(subject);
  };
}

function compileIn(r: unknown): Predicate {
  if (!Array.isArray(r)) return () => false;
  const values = r.slice();
  return (l) => values.some((v) => luaRawEquals(l, v));
}

function compileIpmatch(right: unknown): Predicate {
  const emptyTable = typeof right === "object" && right !== null && (!Array.isArray(right) || right.length === 0);
  if (right === undefined || right === null || right === "" || emptyTable) {
    throw new OperatorCompileError("invalid ip address");
  }
  const entries = Array.isArray(right) ? right : [right];
  try {
    const matcher = compileIpMatcher(entries as string[]);
    return (l) => matcher.match(l);
  } catch (err) {
    throw new OperatorCompileError(err instanceof Error ? err.message : String(err));
  }
}
