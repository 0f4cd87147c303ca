/**
 * `NODE_EXTRA_CA_CERTS`, read when an `https://` connection needs it instead of at every start. Node 20 loads that
 * file as each process starts (about 50 ms for a system bundle of ~150 certificates), and Terraform starts the
 * provider three or four times per command; only an `https://` Admin API (or health or metrics URL) needs the extra
 * CAs. So the provider's launcher moves the variable to `DEFERRED_EXTRA_CA_ENV` before it starts Node, and the
 * client adds the file to Node's bundled roots when it opens its first `https://` pool: the same trust as Node's own
 * handling (extra CAs extend the default roots; an explicit `tls_ca_file` replaces them), and the same warning when
 * the file cannot be read.
 */
import { readFileSync } from "node:fs";

/** Where the provider's launcher moves `NODE_EXTRA_CA_CERTS`. */
export const DEFERRED_EXTRA_CA_ENV = "BLUEGREEN_NODE_EXTRA_CA_CERTS";

/**
 * The CA list for an `https://` pool that trusts the default roots: Node's bundled roots plus the deferred file, or
 * undefined (Node's defaults) when nothing was deferred or Node loaded the variable itself.
 */
export function deferredExtraCa(env: NodeJS.ProcessEnv = process.env, warn = (line: string) => process.stderr.write(line)): string[] | undefined {
  const file = env[DEFERRED_EXTRA_CA_ENV];
  if (file === undefined || file === "" || (env.NODE_EXTRA_CA_CERTS ?? "") !== "") return undefined;
  try {
    const extra = readFileSync(file, "utf8");
    // loaded here, not at the top: the hook over plain http never loads node:tls
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return [...(require("node:tls") as typeof import("node:tls")).rootCertificates, extra];
  } catch (error) {
    warn(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${(error as { message?: string }).message ?? String(error)}\n`);
    return undefined;
  }
}
