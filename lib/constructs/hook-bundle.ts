/**
 * The hook folder of a stack. `npm run build` bundles the hook (which is also the release guardian it starts) into
 * `dist/hook` of this package; synthesis lays that folder into every stack folder that has gateway objects, as one
 * cdktf asset per stack at `assets/BluegreenHook/<package version>/`, and the provisioners run
 * `node assets/BluegreenHook/<version>/bluegreen-hook.cjs <action>` from the stack folder (Terraform's working
 * directory). So `cdktf.out/stacks/<stack>` deploys wherever it is copied, with `node` and `terraform` and nothing else.
 *
 * The folder's path holds the package version, not a hash of its bytes: the same version always lays the same
 * bytes at the same path, and a synthesized stack (or snapshot) changes only when the package version does.
 */
import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import type { IConstruct } from "constructs";
import { AssetType, TerraformAsset, TerraformStack } from "../cdk";
import { programFileOf } from "../bundle/program-file";
import { HOOK_BUNDLE_DIR, HOOK_BUNDLE_FILE } from "../model/hook-command";
import { hookBundleMissing } from "./errors";
import { packageRoot, readPackageVersion } from "../package-info";

/** Id of the asset, a child of the stack, and the readable part of its path in the stack folder. */
export const HOOK_ASSET_ID = "BluegreenHook";

/** The built hook folder of a package: where it is, and the version that names it in stack folders. */
export interface HookFolder {
  /** Absolute path of `dist/hook`. */
  readonly dir: string;
  /** The package version, from its package.json. */
  readonly version: string;
}

let ownFolder: HookFolder | undefined;

/**
 * The hook file of `scope`'s stack, relative to the stack folder; the first call in a stack lays the hook folder
 * there (at synth). Throws, naming `scope`, when this package has no built hook.
 */
export function stackHookFile(scope: IConstruct): string {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(HOOK_ASSET_ID);
  if (existing !== undefined && !(existing instanceof TerraformAsset)) {
    throw new Error(
      `invalid construct id at ${existing.node.path}: the id "${HOOK_ASSET_ID}" of a stack's direct child is reserved ` +
        `for the hook folder that cdktf-apisix-bluegreen lays into the stack (needed by ${scope.node.path}); rename it`,
    );
  }
  const asset = existing ?? layHookFolder(stack, scope.node.path);
  return posix.join(asset.path, HOOK_BUNDLE_FILE);
}

function layHookFolder(stack: TerraformStack, neededBy: string): TerraformAsset {
  ownFolder ??= hookFolder(packageRoot(), neededBy);
  return new TerraformAsset(stack, HOOK_ASSET_ID, { path: ownFolder.dir, type: AssetType.DIRECTORY, assetHash: ownFolder.version });
}

/**
 * The built hook folder of the package at `root`; throws, naming `neededBy`, when the bundle is missing (a checkout
 * where `npm run build` has not run: a package installed from npm always has it).
 */
export function hookFolder(root: string, neededBy: string): HookFolder {
  const dir = join(root, HOOK_BUNDLE_DIR);
  for (const file of [join(dir, HOOK_BUNDLE_FILE), programFileOf(join(dir, HOOK_BUNDLE_FILE))]) {
    if (!existsSync(file)) throw hookBundleMissing(neededBy, file, root);
  }
  try {
    return { dir, version: readPackageVersion(root) };
  } catch (error) {
    throw new Error(`cannot synthesize ${neededBy}: ${error instanceof Error ? error.message : String(error)}, which names the hook folder`);
  }
}
