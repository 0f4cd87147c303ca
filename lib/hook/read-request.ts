/**
 * Reads and validates the hook's input: the request that Terraform passes in `BLUEGREEN_REQUEST` (decoded from
 * `triggers_replace.request`, or `jsonencode(self.input)` for sweeps and objects created before issue 10).
 */
import { type GatewayRequest, REQUEST_ENV, requestSchemaFor } from "../model/gateway-request";
import { BluegreenError } from "../bluegreen-error";
import { safeParseWithMessages } from "../schemas/parse-with-messages";

/** Parses `env[BLUEGREEN_REQUEST]`; throws `BluegreenError` naming the variable when it is missing or invalid. */
export function readHookRequest(env: NodeJS.ProcessEnv): GatewayRequest {
  const raw = env[REQUEST_ENV];
  if (raw === undefined || raw.trim() === "") {
    throw new BluegreenError(
      `${REQUEST_ENV} is not set: 'bluegreen hook' is run by Terraform's local-exec provisioners, which pass the ` +
        `request (decoded from the resource's triggers_replace.request) in that environment variable`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new BluegreenError(
      `${REQUEST_ENV} is not valid JSON (${error instanceof Error ? error.message : String(error)}); ` +
        `it starts with: ${raw.slice(0, 80)}`,
    );
  }
  const parsed = safeParseWithMessages(requestSchemaFor(json), json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
      .join("; ");
    const where = constructPathOf(json);
    throw new BluegreenError(
      `${REQUEST_ENV} does not match the hook input schema (${issues})` +
        `${where ? ` (construct ${where})` : ""}; was the stack synthesized by a different version of cdktf-apisix-bluegreen?`,
    );
  }
  return parsed.data;
}

function constructPathOf(json: unknown): string | undefined {
  if (json && typeof json === "object" && "construct_path" in json) {
    const value = (json as { construct_path: unknown }).construct_path;
    return typeof value === "string" ? value : undefined;
  }
  return undefined;
}
