/**
 * The only module that imports the CDK for Terraform runtime.
 *
 * Everything else in the library imports from here, so moving to the community fork (`cdktn`) is a one-line change
 * (plus `test/setup.js` and the jest adapter import in tests).
 */
export {
  Annotations,
  App,
  AssetType,
  DataResource,
  Fn,
  Lazy,
  TerraformAsset,
  TerraformLocal,
  TerraformProvider,
  TerraformResource,
  TerraformSelf,
  TerraformStack,
  Testing,
  Token,
  anyToHclTerraform,
  anyToTerraform,
  hashMapper,
  hashMapperHcl,
} from "cdktf";
export type { DataConfig, IResolveContext, ISynthesisSession, ITerraformDependable, LocalExecProvisioner } from "cdktf";
export { ValidateTerraformVersion } from "cdktf/lib/validations/validate-terraform-version";
export { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";
