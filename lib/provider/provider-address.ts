/**
 * Where Terraform finds this package's provider without a registry: its source address, its version (the package's,
 * one source of truth) and the implied-local-mirror layout of `terraform.d/plugins` (Terraform's "Provider
 * Installation" docs). No cdktf imports: the CLI's `bluegreen provider install` uses it too.
 */
import * as path from "node:path";
import { packageVersion } from "../package-info";

/** The provider's type name: the `required_providers` key and the prefix of its resource types. */
export const PROVIDER_TYPE = "bluegreen";
/**
 * Hostname of the source address: names the package and ends in `.invalid` (RFC 2606), so it can never be a real
 * registry and `terraform init` never goes to the network for it.
 */
export const PROVIDER_HOSTNAME = "cdktf-apisix-bluegreen.invalid";
export const PROVIDER_NAMESPACE = "local";
/** `cdktf-apisix-bluegreen.invalid/local/bluegreen`, for `required_providers`. */
export const PROVIDER_SOURCE = `${PROVIDER_HOSTNAME}/${PROVIDER_NAMESPACE}/${PROVIDER_TYPE}`;

/** The platforms every synthesis lays the provider out for (it is JavaScript: only `node` is needed on each). */
export const PROVIDER_PLATFORMS = ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"] as const;

/** Where `npm run build` writes the bundled provider and what it needs beside it, relative to the package root. */
export const PROVIDER_BUNDLE_DIR = "dist/provider";
/** File name of the bundled provider in `PROVIDER_BUNDLE_DIR`. */
export const PROVIDER_BUNDLE = "bluegreen-provider.cjs";

/** The provider's version: the package's. */
export const providerVersion = packageVersion;

/** `terraform-provider-bluegreen_v<version>`: the executable Terraform runs. */
export function launcherName(v = providerVersion()): string {
  return `terraform-provider-${PROVIDER_TYPE}_v${v}`;
}

/** `terraform.d/plugins/<host>/<namespace>/bluegreen/<version>/<platform>`, relative to a working directory. */
export function pluginFolder(platform: string, v = providerVersion()): string {
  return path.join("terraform.d", "plugins", PROVIDER_HOSTNAME, PROVIDER_NAMESPACE, PROVIDER_TYPE, v, platform);
}
