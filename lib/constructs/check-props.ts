/**
 * The constructs' props check: the zod schemas of `model/props-schemas.ts`, with Terraform tokens skipped where a
 * value known only at apply time is fine and refused where it must be known at synth (`SYNTH_TIME_PROPS`).
 */
import type { z } from "zod";
import { describe } from "./errors";
import { checkProps, formatIssues } from "../model/props-schemas";
import { isToken } from "./tokens";

/** `field must ..., got value` fragments for every problem of `props`; empty when they are valid. */
export function propProblems(schema: z.ZodType, props: unknown, synthTime: readonly string[] = []): string[] {
  return formatIssues(props, checkProps(schema, props, isToken, synthTime), describeProp);
}

/** `describe`, naming a token as such instead of printing its `${TfToken[...]}` placeholder. */
function describeProp(value: unknown): string {
  return isToken(value) ? "a Terraform token (its value is known only when Terraform runs)" : describe(value);
}
