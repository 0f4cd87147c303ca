/**
 * An `AdminClient` for a stack's `GatewayTarget`, configured the way the hook configures its own (same target
 * fields, same key variable, `tls_ca_file` resolved against the project), for the read-only calls of
 * `bluegreen drift`.
 */
import { AdminClient, type RetryEvent } from "../client/admin-client";
import type { GatewayTarget } from "../model/gateway-request";
import { resolveProjectFile } from "../hook/project-root";
import { DriftError } from "./drift-error";

/**
 * The admin key from the variable `gateway.admin_key_env` names, as the hook reads it: a missing variable is an
 * error naming it, an empty one sends no key.
 */
export function readAdminKey(gateway: GatewayTarget, env: NodeJS.ProcessEnv, neededBy: string): string {
  const name = gateway.admin_key_env;
  const key = env[name];
  if (key === undefined) {
    throw new DriftError(
      `the admin key is missing: set the ${name} environment variable (the one the stack's hook reads) before ` +
        `running bluegreen drift (needed by ${neededBy} for ${gateway.admin_url})`,
    );
  }
  return key;
}

/** A client for `gateway` with `adminKey`; `cwd` locates the project for a relative `tls_ca_file`. */
export function clientForTarget(
  gateway: GatewayTarget,
  adminKey: string,
  cwd: string,
  onRetry?: (event: RetryEvent) => void,
): AdminClient {
  return new AdminClient({
    adminUrl: gateway.admin_url,
    flavor: gateway.flavor,
    gatewayGroupId: gateway.gateway_group_id,
    adminKey,
    adminKeyEnv: gateway.admin_key_env,
    tls: {
      insecureSkipVerify: gateway.tls_insecure_skip_verify,
      caFile: gateway.tls_ca_file === undefined ? undefined : resolveProjectFile(gateway.tls_ca_file, cwd),
    },
    requestTimeoutMs: gateway.request_timeout_ms,
    retryBudgetMs: gateway.retry_budget_ms,
    onRetry,
  });
}
