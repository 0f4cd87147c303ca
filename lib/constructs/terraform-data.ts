/**
 * Terraform's built-in `terraform_data` resource, as cdktf's `DataResource` defines it, without the
 * `terraform version` check that `DataResource` attaches to every instance: cdktf runs that check with `execSync`
 * once per resource at synth (about 55 ms each here, 73 s for a 1,000-route stack). Each GatewayConnection runs the
 * check once instead (`addTerraformVersionCheck`).
 *
 * The resource type is the same, so `toHaveResourceWithProperties(DataResource, ...)` matches it and the
 * synthesized JSON is identical.
 */
import type { Construct } from "constructs";
import {
  type DataConfig,
  TerraformResource,
  ValidateTerraformVersion,
  anyToHclTerraform,
  anyToTerraform,
  hashMapper,
  hashMapperHcl,
} from "../cdk";

/** Oldest Terraform with `terraform_data` (the README asks for 1.5, the oldest we test against in spirit). */
const MIN_TERRAFORM = ">=1.4";

/** A `terraform_data` resource (input, triggers_replace, provisioners, lifecycle). */
export class TerraformData extends TerraformResource {
  /** The Terraform resource type, for cdktf's jest matchers. */
  public static readonly tfResourceType = "terraform_data";

  private readonly inputValue?: DataConfig["input"];
  private readonly triggersReplaceValue?: DataConfig["triggersReplace"];

  constructor(scope: Construct, id: string, config: Omit<DataConfig, "provider" | "count" | "forEach" | "connection"> = {}) {
    super(scope, id, {
      terraformResourceType: TerraformData.tfResourceType,
      terraformGeneratorMetadata: { providerName: "terraform" },
      dependsOn: config.dependsOn,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
    });
    this.inputValue = config.input;
    this.triggersReplaceValue = config.triggersReplace;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return {
      input: hashMapper(anyToTerraform)(this.inputValue),
      triggers_replace: hashMapper(anyToTerraform)(this.triggersReplaceValue),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: unknown } {
    return {
      input: hashMapperHcl(anyToHclTerraform)(this.inputValue),
      triggers_replace: hashMapperHcl(anyToHclTerraform)(this.triggersReplaceValue),
    };
  }
}

/** The check cdktf's DataResource runs per instance, registered once on `scope`. */
export function addTerraformVersionCheck(scope: Construct): void {
  scope.node.addValidation(
    new ValidateTerraformVersion(MIN_TERRAFORM, "The built-in terraform_data resource needs Terraform >= 1.4; install Terraform >= 1.5."),
  );
}
