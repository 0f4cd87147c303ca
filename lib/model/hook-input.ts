/**
 * Builds the `terraform_data` inputs of `gateway-request.ts` (what the hook receives) from the model's requests,
 * and the canonical hash that makes every change a replacement. Pure: no cdktf imports.
 */
import { createHash } from "node:crypto";
import type { AdminRequest } from "./blue-green";
import {
  DEFAULT_ADMIN_KEY_ENV,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_BUDGET_MS,
  type GatewayTarget,
  type HealthCheck,
  type ObjectRequest,
  type SweepRequest,
  type TeardownRequest,
} from "./gateway-request";
import type { GatewayConnectionPropsInput } from "./props-schemas";
import type { ReleaseInput } from "../release/release-input";

/**
 * The snake_case `gateway` block of every input, from the (validated) connection props: the one place where the
 * connection's defaults are applied; the hook reads the block as it is.
 */
export function gatewayTarget(props: GatewayConnectionPropsInput): GatewayTarget {
  const target: GatewayTarget = {
    admin_url: props.adminUrl.replace(/\/+$/, ""),
    flavor: props.flavor ?? "apisix",
    admin_key_env: props.adminKeyEnv ?? DEFAULT_ADMIN_KEY_ENV,
    tls_insecure_skip_verify: props.tls?.insecureSkipVerify ?? false,
    request_timeout_ms: props.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retry_budget_ms: props.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS,
  };
  if (props.gatewayGroupId !== undefined) target.gateway_group_id = props.gatewayGroupId;
  if (props.tls?.caFile !== undefined) target.tls_ca_file = props.tls.caFile;
  return target;
}

/** The input of one object resource; `health_check` and `release` are present only when given. */
export function objectRequest(
  request: AdminRequest,
  gateway: GatewayTarget,
  constructPath: string,
  adopt = false,
  healthCheck?: HealthCheck,
  legacyOwner?: string,
  release?: ReleaseInput,
): ObjectRequest {
  const input: ObjectRequest = {
    kind: "object",
    method: request.method,
    path: request.path,
    body: request.body,
    gateway,
    construct_path: constructPath,
    adopt,
  };
  if (healthCheck !== undefined) input.health_check = healthCheck;
  if (legacyOwner !== undefined) input.legacy_owner = legacyOwner;
  if (release !== undefined) input.release = release;
  return input;
}

/** The input of a connection's sweep; `keep` is sorted so declaration order does not matter. */
export function sweepRequest(
  owner: string,
  keep: readonly string[],
  gateway: GatewayTarget,
  constructPath: string,
  legacyOwner?: string,
): SweepRequest {
  const input: SweepRequest = { kind: "sweep", owner, keep: [...new Set(keep)].sort(), gateway, construct_path: constructPath };
  if (legacyOwner !== undefined) input.legacy_owner = legacyOwner;
  return input;
}

/** The input of a connection's teardown. */
export function teardownRequest(owner: string, gateway: GatewayTarget, constructPath: string, legacyOwner?: string): TeardownRequest {
  const input: TeardownRequest = { kind: "teardown", owner, gateway, construct_path: constructPath };
  if (legacyOwner !== undefined) input.legacy_owner = legacyOwner;
  return input;
}

/** JSON with object keys sorted at every level and `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Hex sha256 of the canonical JSON of `value`. */
export function requestSha256(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
