/** Terraform tokens in construct values: values known only when Terraform runs (variables, attributes, `Fn` results). */
import { Token } from "../cdk";

/** Whether `value` is an unresolved token. */
export function isToken(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/** Whether any value in `value` is an unresolved token. */
export function containsTokens(value: unknown): boolean {
  if (isToken(value)) return true;
  if (Array.isArray(value)) return value.some(containsTokens);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsTokens);
  return false;
}
