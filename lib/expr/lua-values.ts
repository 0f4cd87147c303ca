/**
 * Small helpers that reproduce Lua/LuaJIT value semantics where lua-resty-expr depends on them
 * (`tonumber`, `#` length, `type()` names and raw equality).
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]+)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
const LUA_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** Lua's `tonumber(v)`: numbers pass, numeric strings (decimal, hex, inf/nan, surrounding spaces) convert, else undefined. */
export function luaToNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const s = value.replace(LUA_SPACE, "");
  if (s === "") return undefined;
  if (DECIMAL.test(s)) return Number(s);
  const hex = HEX.exec(s);
  if (hex) {
    const n = parseInt(hex[2], 16);
    return hex[1] === "-" ? -n : n;
  }
  const special = SPECIAL.exec(s);
  if (special) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  return undefined;
}

/** Lua's `type(v)` for a value decoded from JSON (JSON null is cjson.null, a userdata). */
export function luaType(value: unknown): string {
  if (value === undefined) return "nil";
  if (value === null) return "userdata";
  if (typeof value === "object") return "table";
  return typeof value; // string, number, boolean
}

/** Lua raw equality between a request value and a configured value: tables never equal, JSON null never equals. */
export function luaRawEquals(left: unknown, right: unknown): boolean {
  if (left === undefined || right === undefined) return left === right;
  if (typeof left === "object" || typeof right === "object") return false;
  return left === right;
}

/** Lua `tostring` for the string coercions that string.upper / string.lower / ngx.re do (strings and numbers only). */
export function luaCoerceString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return luaNumberToString(value);
  return undefined;
}

function luaNumberToString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  return String(Number(n.toPrecision(14)));
}
