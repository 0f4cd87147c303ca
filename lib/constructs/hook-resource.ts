/**
 * What every `terraform_data` that runs the hook shares: the provisioners that run a hook command with the request
 * in `BLUEGREEN_REQUEST`, and the replacement trigger.
 *
 * Gateway objects keep their request in a Terraform local, encoded into `triggers_replace.request` (so the plan shows
 * one changed line for it, and any change replaces the resource); their `input` is a small view for the plan. The
 * connection's sweep and teardown keep their request as `input`.
 */
import { Fn, type LocalExecProvisioner, TerraformSelf } from "../cdk";
import { EXTRA_CA_CERTS_ENV } from "../client/default-trust";
import { REQUEST_ENV } from "../model/gateway-request";
import { dialedPart, isHttps } from "../model/hook-command";
import { requestSha256 } from "../model/hook-input";
import { REQUEST_TRIGGER } from "../model/request-local";
import { someValue } from "../model/some-value";
import { containsTokens, isToken } from "./tokens";

/** Where the provisioner reads the request: the resource's `input`, or the encoded `triggers_replace.request`. */
export type RequestSource = "input" | "trigger";

/** When and how a hook provisioner runs. */
export interface HookProvisionerOptions {
  /** Run at destroy instead of at create. */
  readonly when?: "destroy";
  /** Where the request is read from; `input` by default. */
  readonly source?: RequestSource;
}

/**
 * A `local-exec` provisioner running `command` (a `hookCommand`) for `request`, at create, or at destroy with `when`.
 * The request reaches the hook JSON-encoded by Terraform in the environment, never interpolated into the command.
 *
 * With `trigger`, an object created by a version that kept the request in `input` (no `triggers_replace.request` in
 * its state) still gets its request at destroy: Terraform evaluates a destroy provisioner from the state.
 *
 * A create-time hook whose request can open no TLS connection (`hookMayUseTls`) runs with `NODE_EXTRA_CA_CERTS`
 * emptied, so that Node does not load a CA bundle at its start that the hook never uses. A destroy-time hook keeps it:
 * it sends the request held in the state, which may name an `https://` gateway that the configuration no longer does.
 */
export function hookProvisioner(command: string, request: object, options: HookProvisionerOptions = {}): LocalExecProvisioner {
  const { when, source = "input" } = options;
  const environment: Record<string, string> = { [REQUEST_ENV]: requestExpression(source) };
  if (when === undefined && !hookMayUseTls(request)) environment[EXTRA_CA_CERTS_ENV] = "";
  return when === undefined ? { type: "local-exec", command, environment } : { type: "local-exec", when, command, environment };
}

/**
 * Whether the hook of `request` may open a TLS connection: what it dials names `https`, or holds a value known only
 * when Terraform runs (a token, e.g. an admin URL from a variable).
 */
export function hookMayUseTls(request: object): boolean {
  return someValue(dialedPart(request), (v) => isToken(v) || isHttps(v));
}

/**
 * The provisioner's request expression, the same for every resource: built once per source, since every cdktf token
 * captures a stack trace when it is created (thousands of objects made that the larger part of a synth).
 */
const REQUEST_EXPRESSIONS = new Map<RequestSource, string>();
function requestExpression(source: RequestSource): string {
  const cached = REQUEST_EXPRESSIONS.get(source);
  if (cached !== undefined) return cached;
  const input = Fn.jsonencode(TerraformSelf.getAny("input"));
  const expression =
    source === "input" ? input : Fn.try([Fn.base64decode(TerraformSelf.getString(`triggers_replace.${REQUEST_TRIGGER}`)), input]);
  REQUEST_EXPRESSIONS.set(source, expression);
  return expression;
}

/**
 * The sweep's replacement trigger: the sha256 of the canonical input, computed at synth; when the input holds tokens
 * (values known only when Terraform runs), Terraform computes it instead.
 */
export function inputHash(input: unknown): string {
  return containsTokens(input) ? Fn.sha256(Fn.jsonencode(input)) : requestSha256(input);
}

/**
 * The object trigger: the request local (by its name in `locals`), JSON-encoded and base64-encoded by Terraform. A
 * plain expression string rather than cdktf tokens, which capture a stack trace each (see `requestExpression`).
 */
export function requestTrigger(localName: string): Record<string, string> {
  return { [REQUEST_TRIGGER]: `\${base64encode(jsonencode(local.${localName}))}` };
}
