/**
 * The provider's entry in a working directory's `.terraform.lock.hcl`, written at synth next to the offline install.
 * `cdktf deploy` runs `terraform providers lock -platform=linux_amd64` after `init` whenever the lock file lacks a
 * required provider, and that command asks the provider's origin registry, which for this package does not exist
 * (`cdktf-apisix-bluegreen.invalid`): with the entry already there, it is never run for a stack whose only provider
 * is ours. The hash is Terraform's `h1:` package hash (Go's `dirhash.Hash1`) of the laid folder, the same for every
 * platform since the folders are identical, so the entry is valid on linux and darwin, amd64 and arm64 alike.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROVIDER_SOURCE, providerVersion } from "./provider-address";

/** The lock file Terraform reads and writes in a working directory. */
export const LOCK_FILE = ".terraform.lock.hcl";

const HEADER = '# This file is maintained automatically by "terraform init".\n# Manual edits may be lost in future updates.\n';

/**
 * Terraform's `h1:` hash of a provider package folder: sha256 over one line per file, sorted by name,
 * `<hex sha256 of the file>  <name>\n`, base64-encoded.
 */
export function packageHashV1(folder: string): string {
  const lines = fs
    .readdirSync(folder)
    .sort()
    .map((name) => `${createHash("sha256").update(fs.readFileSync(path.join(folder, name))).digest("hex")}  ${name}\n`);
  return `h1:${createHash("sha256").update(lines.join("")).digest("base64")}`;
}

/** The lock entry for this package's provider with `hash`. */
export function lockEntry(hash: string, version = providerVersion()): string {
  return (
    `provider "${PROVIDER_SOURCE}" {\n` +
    `  version     = "${version}"\n` +
    `  constraints = "${version}"\n` +
    `  hashes = [\n` +
    `    "${hash}",\n` +
    `  ]\n` +
    `}\n`
  );
}

/**
 * Writes the provider's entry into `workingDirectory`'s lock file: a new file with only it, or, in an existing file,
 * in place of this provider's entry (other providers' entries are kept as they are).
 */
export function writeLockEntry(workingDirectory: string, hash: string): void {
  const file = path.join(workingDirectory, LOCK_FILE);
  const entry = lockEntry(hash);
  const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  if (existing === undefined) {
    fs.writeFileSync(file, `${HEADER}\n${entry}`);
    return;
  }
  const start = existing.indexOf(`provider "${PROVIDER_SOURCE}" {`);
  if (start === -1) {
    fs.writeFileSync(file, `${existing.replace(/\n*$/, "\n")}\n${entry}`);
    return;
  }
  const end = existing.indexOf("\n}\n", start);
  const after = end === -1 ? "" : existing.slice(end + 3);
  fs.writeFileSync(file, `${existing.slice(0, start)}${entry}${after}`);
}
