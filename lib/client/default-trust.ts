/**
 * What an `https://` pool that trusts "the default CAs" (no `tls_ca_file`) passes to Node, in a provider process.
 *
 * Node 20 parses its ~140 bundled root certificates into a store for the first TLS context of a process (~30 ms
 * here), and reads the file `NODE_EXTRA_CA_CERTS` names at every start (~50 ms for a system bundle). Terraform starts
 * the provider three or four times per command, and its own connection to the provider trusts only Terraform's
 * certificate. So the provider's launcher (lib/provider/install-provider.ts) starts Node with OpenSSL's store
 * pointed at nothing (`--use-openssl-ca`, `SSL_CERT_FILE=/dev/null`), marks that with `BUNDLED_ROOTS_ENV`, and moves
 * `NODE_EXTRA_CA_CERTS` to `DEFERRED_EXTRA_CA_ENV`; the client then trusts exactly what it trusted before, Node's
 * bundled roots plus the extra file, by passing them as `ca` when it opens an `https://` pool (an explicit
 * `tls_ca_file` still replaces both, as in Node). An unreadable extra file gets Node's own warning.
 */
import { readFileSync } from "node:fs";

/**
 * Node's variable naming a file of extra CA certificates. Node 20 reads that file, and parses its own bundled roots,
 * at every start although only TLS uses them; hooks that open no TLS connection start with it emptied
 * (lib/constructs/hook-resource.ts).
 */
export const EXTRA_CA_CERTS_ENV = "NODE_EXTRA_CA_CERTS";
/** Where the provider's launcher moves `NODE_EXTRA_CA_CERTS`. */
export const DEFERRED_EXTRA_CA_ENV = "BLUEGREEN_NODE_EXTRA_CA_CERTS";
/** Set to "1" by the provider's launcher when Node's own store is empty: the bundled roots are passed explicitly. */
export const BUNDLED_ROOTS_ENV = "BLUEGREEN_BUNDLED_ROOTS";

/**
 * The `ca` list for an `https://` pool that trusts the default CAs, or undefined for Node's own defaults (a process
 * not started by the provider's launcher: the hook, the CLI, the gateway).
 */
export function defaultTrustCa(env: NodeJS.ProcessEnv = process.env, warn = (line: string) => process.stderr.write(line)): string[] | undefined {
  const explicitRoots = env[BUNDLED_ROOTS_ENV] === "1";
  const loadedByNode = (env[EXTRA_CA_CERTS_ENV] ?? "") !== "";
  // the extra file Node did not load: the deferred one, or (with explicit roots, which replace Node's) Node's own
  const extraFile = loadedByNode ? (explicitRoots ? env[EXTRA_CA_CERTS_ENV] : undefined) : env[DEFERRED_EXTRA_CA_ENV] || undefined;
  if (!explicitRoots && extraFile === undefined) return undefined;
  let extra: string | undefined;
  if (extraFile !== undefined) {
    try {
      extra = readFileSync(extraFile, "utf8");
    } catch (error) {
      warn(`Warning: Ignoring extra certs from \`${extraFile}\`, load failed: ${(error as { message?: string }).message ?? String(error)}\n`);
      if (!explicitRoots) return undefined;
    }
  }
  // loaded here, not at the top: the hook over plain http never loads node:tls
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { rootCertificates } = require("node:tls") as typeof import("node:tls");
  return extra === undefined ? [...rootCertificates] : [...rootCertificates, extra];
}
