/**
 * Renders zod issues in the style of APISIX's lua jsonschema, e.g.
 * `property "methods" validation failed: failed to validate item 1: matches none of the enum values`.
 */
import type { z } from "zod";

type Issue = z.core.$ZodIssue;

/** The JSON type name of a value as lua jsonschema prints it. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && !Number.isFinite(value)) return "a number out of range";
  return typeof value === "object" ? "object" : typeof value;
}

const EXPECTED_NAMES: Record<string, string> = { int: "integer", record: "object", map: "object" };

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text;
}

/** The message of one issue without its path prefix. */
function leafMessage(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type":
      return `wrong type: expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${jsonTypeName(input)}`;
    case "invalid_value":
      return "matches none of the enum values";
    case "invalid_format":
      if (issue.format === "regex" && typeof issue.pattern === "string") {
        return `failed to match pattern ${show(issue.pattern.replace(/^\/|\/[a-z]*$/g, ""))} with ${show(input)}`;
      }
      return `invalid ${issue.format}: ${show(input)}`;
    case "too_small":
      return tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false, input);
    case "too_big":
      return tooBig(issue.origin, Number(issue.maximum), issue.inclusive !== false, input);
    case "unrecognized_keys":
      return `additional properties forbidden, found ${issue.keys[0]}`;
    case "invalid_union":
      return "object matches none of the required";
    case "not_multiple_of":
      return `expected ${show(input)} to be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

function tooSmall(origin: string, min: number, inclusive: boolean, input: unknown): string {
  if (origin === "string") return `string too short, expected at least ${min}, got ${String(input).length}`;
  if (origin === "array" || origin === "set") return `expect array to have at least ${min} items`;
  return inclusive ? `expected ${show(input)} to be at least ${min}` : `expected ${show(input)} to be greater than ${min}`;
}

function tooBig(origin: string, max: number, inclusive: boolean, input: unknown): string {
  if (origin === "string") return `string too long, expected at most ${max}, got ${String(input).length}`;
  if (origin === "array" || origin === "set") return `expect array to have at most ${max} items`;
  return inclusive ? `expected ${show(input)} to be at most ${max}` : `expected ${show(input)} to be smaller than ${max}`;
}

/** Renders a path as APISIX's nested prefixes: `property "a" validation failed: failed to validate item 2: `. */
export function apisixPathPrefix(path: readonly PropertyKey[]): string {
  return path
    .map((seg) =>
      typeof seg === "number" ? `failed to validate item ${seg + 1}: ` : `property "${String(seg)}" validation failed: `,
    )
    .join("");
}

/** One issue as an APISIX-style message (path prefix + detail); a missing property reads `property "x" is required`. */
export function formatZodIssue(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  const missing = (issue.code === "invalid_type" || issue.code === "invalid_union") && input === undefined;
  if (missing && issue.path.length > 0) {
    const parent = issue.path.slice(0, -1);
    return `${apisixPathPrefix(parent)}property "${String(issue.path[issue.path.length - 1])}" is required`;
  }
  return apisixPathPrefix(issue.path) + leafMessage(issue);
}

/** The first issue of a failed parse, formatted; zod reports properties in declaration order. */
export function formatZodError(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? formatZodIssue(first) : "invalid value";
}
