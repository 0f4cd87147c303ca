/** Terraform tokens in construct values: values known only when Terraform runs (variables, attributes, `Fn` results). */
import { Token } from "../cdk";
import { someValue } from "../model/some-value";

/** Whether `value` is an unresolved token. */
export function isToken(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/** Whether any value in `value` is an unresolved token. */
export function containsTokens(value: unknown): boolean {
  return someValue(value, isToken);
}
