import { Construct } from "constructs";
import { TerraformLocal } from "../cdk";
import { gatewayWouldReject } from "./errors";
import type { AdminResource } from "../model/admin-paths";
import type { AdminRequest } from "../model/blue-green";
import type { HealthCheck, ObjectRequest } from "../model/gateway-request";
import { hookCommand } from "../model/hook-command";
import type { ReleaseInput } from "../release/release-input";
import { objectRequest } from "../model/hook-input";
import type { ObjectView } from "../model/object-view";
import { checkObject } from "../schemas";
import type { GatewayConnection, IGatewayObject } from "./gateway-connection";
import { stackHookFile } from "./hook-bundle";
import { hookProvisioner, requestTrigger } from "./hook-resource";
import { TerraformData } from "./terraform-data";
import { BluegreenObject } from "./provider-resource";
import type { TerraformResource } from "../cdk";
import { containsTokens } from "./tokens";

/** Whether a construct may take over gateway objects this library did not write. */
export interface AdoptProps {
  /**
   * Overwrite existing objects with the same ids that this library did not create, or that another owner manages.
   *
   * @default false
   */
  readonly adopt?: boolean;
}

/** Properties of one gateway object. */
export interface GatewayObjectProps extends AdoptProps {
  /** The connection the object is written through. */
  readonly gateway: GatewayConnection;
  /** The Admin API collection, for the synth-time schema check. */
  readonly kind: AdminResource;
  /** The exact Admin API write. */
  readonly request: AdminRequest;
  /** What the plan shows of the object (the resource's `input`): small, human-readable, in release terms. */
  readonly view: ObjectView;
  /**
   * Objects that must be written first (and deleted last).
   *
   * @default - none
   */
  readonly dependsOn?: readonly IGatewayObject[];
  /**
   * The health gate the hook runs before the PUT (service objects with `healthCheck`).
   *
   * @default - none
   */
  readonly healthCheck?: HealthCheck;
  /**
   * The verified release the hook runs instead of a plain PUT (service objects with `release`).
   *
   * @default - none
   */
  readonly release?: ReleaseInput;
}

/**
 * One Admin API object, defined as a built-in `terraform_data` resource whose `input` is a small view of the object
 * (for the plan) and whose hooks send the exact request, kept in a Terraform local (`<id>_Request_...` in
 * cdk.tf.json) and passed as `triggers_replace.request = base64encode(jsonencode(local...))`.
 *
 * Every change of the request replaces the resource (its trigger changes) and, with
 * `create_before_destroy`, a replacement runs only the new object's create hook: the deposed object is forgotten
 * without its destroy hook, so a flip never deletes anything. `cdktf destroy` runs the destroy hook (DELETE).
 *
 * @internal used by BlueGreenService and BlueGreenRoute, which show it as an `IGatewayObject`
 */
export class GatewayObject extends Construct implements IGatewayObject {
  /** The `terraform_data` resource (hooks engine) or the `bluegreen_<kind>` resource (provider engine). */
  public readonly resource: TerraformResource;
  /** Admin API path of the object (with query on API7 EE). */
  public readonly objectPath: string;
  /** The hook's input: the request, as synthesized into the Terraform local. */
  public readonly request: ObjectRequest;
  /** The Terraform local holding the request (hooks engine only). */
  public readonly requestLocal?: TerraformLocal;

  constructor(scope: Construct, id: string, props: GatewayObjectProps) {
    super(scope, id);

    if (!containsTokens(props.request.body)) {
      const check = checkObject(props.kind, props.request.body, props.gateway.flavor);
      if (!check.ok) throw gatewayWouldReject(scope.node.path, props.request.method, props.request.path, check.error_msg);
    }

    this.objectPath = props.request.path;
    // messages name the construct the user wrote (the service or route), not this internal child
    this.request = objectRequest(
      props.request,
      props.gateway.target,
      scope.node.path,
      props.adopt,
      props.healthCheck,
      props.gateway.legacyOwner,
      props.release,
    );
    if (props.gateway.engine === "provider") {
      this.resource = new BluegreenObject(this, "Resource", {
        kind: props.kind,
        request: this.request,
        owner: props.gateway.owner,
        provider: props.gateway.provider!,
        // Terraform destroys in reverse: routes, then services, then upstreams
        dependsOn: (props.dependsOn ?? []).map((o) => o.resource),
      });
      props.gateway._registerObject(this);
      return;
    }
    const hookFile = stackHookFile(this);
    this.requestLocal = new TerraformLocal(this, "Request", this.request);
    this.resource = new TerraformData(this, "Resource", {
      input: props.view,
      triggersReplace: requestTrigger(this.requestLocal.friendlyUniqueId),
      lifecycle: { createBeforeDestroy: true },
      // the connection's teardown is created before any object and destroyed after all of them
      dependsOn: [...(props.dependsOn ?? []).map((o) => o.resource), props.gateway.teardown!],
      provisioners: [
        hookProvisioner(hookCommand("apply", hookFile), this.request, { source: "trigger" }),
        hookProvisioner(hookCommand("destroy", hookFile), this.request, { when: "destroy", source: "trigger" }),
      ],
    });
    props.gateway._registerObject(this);
  }
}
