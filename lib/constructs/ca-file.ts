/**
 * A connection's `tls.caFile` travels with the stack folder: synthesis lays the file into it as a cdktf asset, and
 * the hooks (and `bluegreen drift`/`review`, which know the stack folder) read it by the path relative to the folder.
 *
 * The path does not change with the file's bytes (`assets/<connection>_CaFile_<hash of the construct path>/ca/<file
 * name>`): a new CA replaces the laid file without replacing every object, and an object's state never names a CA
 * path that a later synth removed (a destroy reads its request from the state).
 */
import { existsSync, statSync } from "node:fs";
import type { Construct } from "constructs";
import { AssetType, TerraformAsset, Token } from "../cdk";
import { resolveProjectFile } from "../deploy/project-root";
import { caFileMissing, caFileToken } from "./errors";

/** The fixed middle part of the laid CA file's path (where a hash of the bytes would be). */
const CA_ASSET_HASH = "ca";

/**
 * Lays `caFile` (absolute, or relative to the project: the nearest folder at or above the working directory that
 * holds cdktf.json) into the stack folder of `connection`; returns its path relative to the stack folder.
 */
export function layCaFile(connection: Construct, caFile: string): string {
  if (Token.isUnresolved(caFile)) throw caFileToken(connection.node.path, caFile);
  const source = resolveProjectFile(caFile, process.cwd());
  if (!existsSync(source) || !statSync(source).isFile()) throw caFileMissing(connection.node.path, caFile, source);
  return new TerraformAsset(connection, "CaFile", { path: source, type: AssetType.FILE, assetHash: CA_ASSET_HASH }).path;
}
