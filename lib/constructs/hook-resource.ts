/**
 * What every `terraform_data` that runs the hook shares: the provisioners that run a hook command with the whole
 * input in `BLUEGREEN_REQUEST`, and the replacement trigger hashed from the input.
 */
import { Fn, type LocalExecProvisioner, TerraformSelf } from "../cdk";
import { REQUEST_ENV } from "../model/gateway-request";
import { requestSha256 } from "../model/hook-input";
import { containsTokens } from "./tokens";

/**
 * A `local-exec` provisioner running `command` (one of the `HOOK_*_COMMAND`s) at create, or at destroy with `when`.
 * The input reaches the hook JSON-encoded by Terraform in the environment, never interpolated into the command.
 */
export function hookProvisioner(command: string, when?: "destroy"): LocalExecProvisioner {
  const environment = { [REQUEST_ENV]: Fn.jsonencode(TerraformSelf.getAny("input")) };
  return when === undefined ? { type: "local-exec", command, environment } : { type: "local-exec", when, command, environment };
}

/**
 * The replacement trigger: the sha256 of the canonical input, computed at synth; when the input holds tokens
 * (values known only when Terraform runs), Terraform computes it instead.
 */
export function inputHash(input: unknown): string {
  return containsTokens(input) ? Fn.sha256(Fn.jsonencode(input)) : requestSha256(input);
}
