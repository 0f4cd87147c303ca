/**
 * This package on disk: its root folder and its version, read from its own package.json (never from the working
 * directory). The version names the hook folder laid into stack folders and is the provider's version.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The package's name, as in its package.json. */
export const PACKAGE_NAME = "cdktf-apisix-bluegreen";

let root: string | undefined;
/**
 * The root of this package: the nearest folder at or above this module with a package.json named `PACKAGE_NAME`
 * (this module is `lib/` in a checkout run by ts-jest, `dist/lib/` when built or installed).
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file) && (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name === PACKAGE_NAME) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`cannot find the package.json of ${PACKAGE_NAME} at or above ${__dirname}: is it installed?`);
  }
}

/** The version in the package.json of the package at `packageDir`; throws when it has none. */
export function readPackageVersion(packageDir: string): string {
  const file = join(packageDir, "package.json");
  const version = (JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version;
  if (typeof version !== "string" || version === "") throw new Error(`${file} has no version`);
  return version;
}

let version: string | undefined;
/** This package's version. */
export function packageVersion(): string {
  return (version ??= readPackageVersion(packageRoot()));
}
