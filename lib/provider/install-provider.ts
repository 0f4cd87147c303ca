/**
 * Lays the provider into a Terraform working directory as an implied local mirror, for every platform in
 * `PROVIDER_PLATFORMS`: per platform a self-contained folder holding the built `dist/provider` folder (the bundle, which
 * is also the release guardian it starts) and a `#!/bin/sh` launcher that runs the bundle with `node` from its own
 * folder (`terraform init` copies the folder into `.terraform/providers`). The bytes depend
 * only on the package version, so the lock file's `h1:` hashes stay valid across synths.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { programFileOf } from "../bundle/program-file";
import { BUNDLED_ROOTS_ENV, DEFERRED_EXTRA_CA_ENV, EXTRA_CA_CERTS_ENV } from "../client/default-trust";
import { packageRoot } from "../package-info";
import { packageHashV1, writeLockEntry } from "./lock-file";
import { launcherName, pluginFolder, PROVIDER_BUNDLE, PROVIDER_BUNDLE_DIR, PROVIDER_PLATFORMS, providerVersion } from "./provider-address";

/**
 * The launcher: runs the bundle beside itself with `node`. Unless `NODE_OPTIONS` chooses a CA store itself, Node
 * starts with OpenSSL's store pointed at nothing and `NODE_EXTRA_CA_CERTS` moved aside, so that none of the 3–4
 * starts per Terraform command parses certificates Terraform's connection never uses; the client passes the same
 * CAs (Node's bundled roots and the extra file) when an `https://` URL needs them (lib/client/default-trust.ts).
 */
export const LAUNCHER_SCRIPT = [
  "#!/bin/sh",
  // the folder of $0 as dirname gives it, without starting dirname (a fork and exec per start)
  'case $0 in */*) folder=${0%/*} ;; *) folder=. ;; esac',
  `program="$folder/${PROVIDER_BUNDLE}"`,
  'case " ${NODE_OPTIONS:-} " in',
  '  *" --use-openssl-ca"* | *" --use-bundled-ca"*) exec node "$program" "$@" ;;',
  "esac",
  `if [ -n "\${${EXTRA_CA_CERTS_ENV}:-}" ]; then`,
  `  ${DEFERRED_EXTRA_CA_ENV}=$${EXTRA_CA_CERTS_ENV}`,
  `  export ${DEFERRED_EXTRA_CA_ENV}`,
  `  unset ${EXTRA_CA_CERTS_ENV}`,
  "fi",
  `${BUNDLED_ROOTS_ENV}=1 SSL_CERT_FILE=/dev/null SSL_CERT_DIR=/dev/null`,
  `export ${BUNDLED_ROOTS_ENV} SSL_CERT_FILE SSL_CERT_DIR`,
  'exec node --use-openssl-ca "$program" "$@"',
  "",
].join("\n");

/**
 * The built bundle's launcher, `dist/provider/bluegreen-provider.cjs` (the program beside it is
 * `bluegreen-provider.program.cjs`); throws with what to run when either is missing.
 */
export function providerBundle(): string {
  const file = path.join(packageRoot(), PROVIDER_BUNDLE_DIR, PROVIDER_BUNDLE);
  for (const needed of [file, programFileOf(file)]) {
    if (!fs.existsSync(needed)) {
      throw new Error(`the bundled provider ${needed} is missing: run npm run build in ${packageRoot()} (it is part of the published package)`);
    }
  }
  return file;
}

/**
 * Writes `terraform.d/plugins/...` under `workingDirectory` (replacing this version's folders) and the provider's entry
 * in its `.terraform.lock.hcl` (lock-file.ts); returns the folders.
 */
export function installProvider(workingDirectory: string): string[] {
  const built = path.dirname(providerBundle());
  // sorted: the same folder always gives the same files in the same order
  const files = fs.readdirSync(built).sort().map((name) => [name, fs.readFileSync(path.join(built, name))] as const);
  const version = providerVersion();
  const dirs = PROVIDER_PLATFORMS.map((platform) => {
    const dir = path.join(workingDirectory, pluginFolder(platform, version));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of files) fs.writeFileSync(path.join(dir, name), bytes);
    const launcher = path.join(dir, launcherName(version));
    fs.writeFileSync(launcher, LAUNCHER_SCRIPT, { mode: 0o755 });
    fs.chmodSync(launcher, 0o755);
    return dir;
  });
  writeLockEntry(workingDirectory, packageHashV1(dirs[0]));
  return dirs;
}
