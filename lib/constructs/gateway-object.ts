import { Construct } from "constructs";
import { Fn, TerraformSelf, Token } from "../cdk";
import { gatewayWouldReject } from "./errors";
import type { AdminRequest, ObjectKind } from "../model/blue-green";
import { REQUEST_ENV, type HealthCheck, type ObjectRequest } from "../model/gateway-request";
import { objectRequest, requestSha256 } from "../model/hook-input";
import { checkObject } from "../schemas";
import type { GatewayConnection } from "./gateway-connection";
import { TerraformData } from "./terraform-data";

/** The shell command a create-time provisioner runs: PUT the request in `BLUEGREEN_REQUEST`. */
export const HOOK_APPLY_COMMAND = `node -e "require('cdktf-apisix-bluegreen/cli').main(['hook','apply'])"`;
/** The shell command a destroy-time provisioner runs: DELETE the object of the request in `BLUEGREEN_REQUEST`. */
export const HOOK_DESTROY_COMMAND = `node -e "require('cdktf-apisix-bluegreen/cli').main(['hook','destroy'])"`;
/** The shell command the sweep runs: delete this owner's objects that are no longer declared. */
export const HOOK_SWEEP_COMMAND = `node -e "require('cdktf-apisix-bluegreen/cli').main(['hook','sweep'])"`;
/** The shell command the connection's teardown runs at destroy: delete every object of this owner. */
export const HOOK_TEARDOWN_COMMAND = `node -e "require('cdktf-apisix-bluegreen/cli').main(['hook','teardown'])"`;
/** The provisioner environment: the whole input, JSON-encoded by Terraform (never interpolated into the command). */
export function hookEnvironment(): Record<string, string> {
  return { [REQUEST_ENV]: Fn.jsonencode(TerraformSelf.getAny("input")) };
}

const GATEWAY_OBJECT_SYMBOL = Symbol.for("cdktf-apisix-bluegreen/GatewayObject");

/** Properties of one gateway object. */
export interface GatewayObjectProps {
  /** The connection the object is written through. */
  readonly gateway: GatewayConnection;
  /** The Admin API collection, for the synth-time schema check. */
  readonly kind: ObjectKind;
  /** The exact Admin API write. */
  readonly request: AdminRequest;
  /**
   * Overwrite an existing object that does not carry our managed-by label.
   *
   * @default false
   */
  readonly adopt?: boolean;
  /**
   * Objects that must be written first (and deleted last).
   *
   * @default - none
   */
  readonly dependsOn?: readonly GatewayObject[];
  /**
   * The health gate the hook runs before the PUT (service objects with `healthCheck`).
   *
   * @default - none
   */
  readonly healthCheck?: HealthCheck;
}

/**
 * One Admin API object, defined as a built-in `terraform_data` resource whose `input` is the exact request.
 *
 * Every change of the request replaces the resource (`triggers_replace` holds its hash) and, with
 * `create_before_destroy`, a replacement runs only the new object's create hook: the deposed object is forgotten
 * without its destroy hook, so a flip never deletes anything. `cdktf destroy` runs the destroy hook (DELETE).
 *
 * @internal used by BlueGreenService and BlueGreenRoute
 */
export class GatewayObject extends Construct {
  /** Whether `x` is a GatewayObject. */
  public static isGatewayObject(x: unknown): x is GatewayObject {
    return typeof x === "object" && x !== null && GATEWAY_OBJECT_SYMBOL in x;
  }

  /** The `terraform_data` resource. */
  public readonly resource: TerraformData;
  /** Admin API path of the object (with query on API7 EE). */
  public readonly objectPath: string;
  /** The resource's input, as synthesized. */
  public readonly input: ObjectRequest;

  constructor(scope: Construct, id: string, props: GatewayObjectProps) {
    super(scope, id);
    Object.defineProperty(this, GATEWAY_OBJECT_SYMBOL, { value: true });

    if (!containsTokens(props.request.body)) {
      const check = checkObject(props.kind, props.request.body, props.gateway.flavor);
      if (!check.ok) throw gatewayWouldReject(scope.node.path, props.request.method, props.request.path, check.error_msg);
    }

    this.objectPath = props.request.path;
    // messages name the construct the user wrote (the service or route), not this internal child
    this.input = objectRequest(
      props.request,
      props.gateway.target,
      scope.node.path,
      props.adopt ?? false,
      props.healthCheck,
      props.gateway.legacyOwner,
    );
    this.resource = new TerraformData(this, "Resource", {
      input: this.input,
      triggersReplace: { request_sha256: inputHash(this.input) },
      lifecycle: { createBeforeDestroy: true },
      // the connection's teardown is created before any object and destroyed after all of them
      dependsOn: [...(props.dependsOn ?? []).map((o) => o.resource), props.gateway.teardown],
      provisioners: [
        { type: "local-exec", command: HOOK_APPLY_COMMAND, environment: hookEnvironment() },
        { type: "local-exec", when: "destroy", command: HOOK_DESTROY_COMMAND, environment: hookEnvironment() },
      ],
    });
    props.gateway._registerObject(this);
  }
}

/**
 * The replacement trigger: the sha256 of the canonical input, computed at synth; when the input holds tokens
 * (values known only when Terraform runs), Terraform computes it instead.
 */
export function inputHash(input: unknown): string {
  return containsTokens(input) ? Fn.sha256(Fn.jsonencode(input)) : requestSha256(input);
}

/** Whether any value in `value` is an unresolved token. */
export function containsTokens(value: unknown): boolean {
  if (Token.isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(containsTokens);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsTokens);
  return false;
}
