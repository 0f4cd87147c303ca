/**
 * The `vars` expression language of lua-resty-expr v1.3.2, as APISIX uses it in route `vars` and traffic-split
 * `match[].vars`. STUB: the data-plane work replaces the bodies; the signatures are the contract.
 */

/** Thrown by compileVars with lua-resty-expr's own message, e.g. `invalid operator '='`, `rule too short`. */
export class VarsError extends Error {}

/** A compiled expression: opaque to callers. */
export interface CompiledVars {
  readonly source: unknown;
}

/** Looks up a request variable by its APISIX name (`arg_x`, `http_x_env`, `cookie_c`, `uri`, ...). */
export type VarLookup = (name: string) => unknown;

/** Compiles `vars` (an array of conditions, ANDed); throws VarsError with lua-resty-expr's message. */
export function compileVars(vars: unknown): CompiledVars {
  if (!Array.isArray(vars)) throw new VarsError("rule should be an array");
  return { source: vars };
}

/** Evaluates a compiled expression against a request; never throws. */
export function evaluateVars(_compiled: CompiledVars, _lookup: VarLookup): boolean {
  return true;
}
