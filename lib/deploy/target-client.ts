/**
 * What every deploy-time command (the hook, `bluegreen drift`) does with a stack's `GatewayTarget`: read the admin
 * key from the variable the target names, and build an `AdminClient` configured from the target (TLS, timeouts,
 * retry budget; a relative `tls_ca_file` resolved against the stack folder).
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { AdminClient } from "../client/admin-client";
import type { RetryEvent } from "../client/transport";
import type { GatewayTarget } from "../model/gateway-request";
import { BluegreenError } from "../bluegreen-error";
import { resolveProjectFile } from "./project-root";

/**
 * The admin key from the variable `gateway.admin_key_env` names. A missing variable is an error naming it and
 * `purpose` (e.g. `cdktf deploy (needed by stack/service)`); an empty one means "send no key".
 */
export function readAdminKey(gateway: GatewayTarget, env: NodeJS.ProcessEnv, purpose: string): string {
  const name = gateway.admin_key_env;
  const key = env[name];
  if (key === undefined) {
    throw new BluegreenError(`the admin key is missing: set the ${name} environment variable before running ${purpose}`);
  }
  return key;
}

/** A client for `gateway` with `adminKey`; a relative `tls_ca_file` is resolved against `cwd`, the stack folder. */
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
      caFile: gateway.tls_ca_file === undefined ? undefined : caFilePath(gateway.tls_ca_file, cwd),
    },
    requestTimeoutMs: gateway.request_timeout_ms,
    retryBudgetMs: gateway.retry_budget_ms,
    onRetry,
  });
}

/**
 * Where the CA file `file` is: absolute, or relative to `cwd`, the stack folder into which synthesis laid it. A
 * relative path that is not there but is in the project around `cwd` is one that releases before the stack folder
 * carried the file wrote (relative to the project); a destroy still reads it from the state until the next deploy.
 */
function caFilePath(file: string, cwd: string): string {
  const inStack = resolve(cwd, file);
  if (isAbsolute(file) || existsSync(inStack)) return inStack;
  const inProject = resolveProjectFile(file, cwd);
  return existsSync(inProject) ? inProject : inStack;
}
