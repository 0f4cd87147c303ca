/**
 * The `vars` expression language of lua-resty-expr v1.3.2, as APISIX uses it in route `vars` and traffic-split
 * `match[].vars`: compile once (errors carry lua-resty-expr's own messages), evaluate per request (never throws).
 */
import { luaCoerceString, luaType } from "./lua-values";
import { compileOperator, OperatorCompileError, OPERATORS, type Predicate } from "./operators";

/** Thrown by compileVars with lua-resty-expr's own message, e.g. `invalid operator '='`, `rule too short`. */
export class VarsError extends Error {
  override name = "VarsError";
}

/** A compiled expression: opaque to callers. */
export interface CompiledVars {
  readonly source: unknown;
}

/** Looks up a request variable by its APISIX name (`arg_x`, `http_x_env`, `cookie_c`, `uri`, ...). */
export type VarLookup = (name: string) => unknown;

type Node =
  | { readonly kind: "cond"; readonly name: unknown; readonly test: Predicate; readonly negate: boolean }
  | { readonly kind: "logic"; readonly op: LogicOp; readonly children: readonly Node[] };

type LogicOp = "AND" | "OR" | "!AND" | "!OR";
const LOGIC_OPS: ReadonlySet<string> = new Set(["AND", "OR", "!AND", "!OR"]);

interface Compiled extends CompiledVars {
  /** undefined: `vars: []`, always true. */
  readonly root: Node | undefined;
  /** Every variable name the expression reads (lets callers know e.g. whether the body is needed). */
  readonly variables: readonly string[];
}

/** Compiles `vars` (an array of conditions, ANDed); throws VarsError with lua-resty-expr's message. */
export function compileVars(vars: unknown): CompiledVars {
  if (vars === undefined) throw new VarsError("missing argument rule");
  if (!Array.isArray(vars)) throw new VarsError("rule should be an array");
  const variables: string[] = [];
  if (vars.length === 0) return freeze({ source: vars, root: undefined, variables });
  if (luaType(vars[0]) !== "table") {
    const op = luaUpper(vars[0]);
    if (!LOGIC_OPS.has(op)) throw new VarsError("rule should be wrapped inside brackets");
  }
  const root = compileRule(vars, variables);
  return freeze({ source: vars, root, variables });
}

/** The variable names a compiled expression reads. */
export function varsVariables(compiled: CompiledVars): readonly string[] {
  return (compiled as Compiled).variables ?? [];
}

/** Evaluates a compiled expression against a request; never throws. */
export function evaluateVars(compiled: CompiledVars, lookup: VarLookup): boolean {
  const root = (compiled as Compiled).root;
  if (root === undefined) return true;
  try {
    return evalNode(root, lookup);
  } catch {
    return false;
  }
}

function freeze(c: Compiled): Compiled {
  return Object.freeze(c);
}

/** `compile(rules)` of v1.lua: an implicit AND list, a logic group, or a single condition. */
function compileRule(rule: unknown, variables: string[]): Node {
  if (typeof rule === "string" && rule.length > 0) {
    // Lua indexes a string with a number as nil, so `string.upper(rules[1])` fails.
    throw new VarsError("bad argument #1 to 'upper' (string expected, got nil)");
  }
  const n = luaLength(rule);
  if (n <= 0) throw new VarsError("rule too short");
  const items = rule as unknown[];
  if (luaType(items[0]) === "table") {
    const children: Node[] = [];
    for (let i = 0; i < items.length && items[i] !== undefined; i++) children.push(compileRule(items[i], variables));
    return { kind: "logic", op: "AND", children };
  }
  const op = luaUpper(items[0]);
  if (LOGIC_OPS.has(op)) {
    if (n <= 2) throw new VarsError("rule too short");
    const children: Node[] = [];
    for (let i = 1; i < n; i++) children.push(compileRule(items[i], variables));
    return { kind: "logic", op: op as LogicOp, children };
  }
  return compileCondition(items, variables);
}

/** `compile_expr(expr)` of v1.lua. */
function compileCondition(expr: unknown[], variables: string[]): Node {
  let name: unknown;
  let op: unknown;
  let right: unknown;
  let negate = false;
  if (expr.length === 4) {
    if (expr[1] !== "!") throw new VarsError("bad 'not' expression");
    negate = true;
    [name, , op, right] = expr;
  } else {
    [name, op, right] = expr;
  }
  let opName: string | undefined;
  if (op !== undefined) opName = luaLower(op);
  if (right === undefined && (opName === undefined || !OPERATORS.has(opName))) {
    // `[var, value]` means `==` (the value has been lower-cased by then, as in lua-resty-expr).
    right = opName;
    opName = "==";
    if (right === undefined) throw new VarsError("invalid expression");
  }
  if (name === undefined || opName === undefined) throw new VarsError("invalid expression");
  if (!OPERATORS.has(opName)) throw new VarsError(`invalid operator '${opName}'`);
  let test: Predicate;
  try {
    test = compileOperator(opName, right);
  } catch (err) {
    if (err instanceof OperatorCompileError) throw new VarsError(err.message);
    throw err;
  }
  if (typeof name === "string" && !variables.includes(name)) variables.push(name);
  return { kind: "cond", name, test, negate };
}

function evalNode(node: Node, lookup: VarLookup): boolean {
  if (node.kind === "cond") {
    const value = typeof node.name === "string" ? lookup(node.name) : undefined;
    return node.test(value) !== node.negate;
  }
  switch (node.op) {
    case "AND":
      return evalAnd(node.children, lookup);
    case "OR":
      return evalOr(node.children, lookup);
    case "!AND":
      return !evalAnd(node.children, lookup);
    case "!OR":
      return !evalOr(node.children, lookup);
  }
}

function evalAnd(children: readonly Node[], lookup: VarLookup): boolean {
  for (const child of children) if (!evalNode(child, lookup)) return false;
  return true;
}

function evalOr(children: readonly Node[], lookup: VarLookup): boolean {
  for (const child of children) if (evalNode(child, lookup)) return true;
  return false;
}

/** Lua's `#v` for JSON-decoded values, with Lua's error for values that have no length. */
function luaLength(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (typeof value === "string") return value.length;
  if (typeof value === "object" && value !== null) return 0;
  throw new VarsError(`attempt to get length of a ${luaType(value)} value`);
}

function luaUpper(value: unknown): string {
  const s = coerce(value, "upper");
  return s.toUpperCase();
}

function luaLower(value: unknown): string {
  const s = coerce(value, "lower");
  return s.toLowerCase();
}

function coerce(value: unknown, fn: string): string {
  const s = luaCoerceString(value);
  if (s === undefined) throw new VarsError(`bad argument #1 to '${fn}' (string expected, got ${luaType(value)})`);
  return s;
}
