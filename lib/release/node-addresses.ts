/**
 * The `node` label values a color's nodes can carry: APISIX labels a request with the IP it connected to, so a node
 * given by host name is resolved as the gateway resolves it (the system resolver, every address it returns). IP
 * literals are kept (brackets of an IPv6 literal removed).
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** Every IP `host` may be connected on; an error names the host when it does not resolve. */
export async function nodeAddresses(host: string): Promise<string[]> {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(bare)) return [bare];
  try {
    const found = await lookup(bare, { all: true });
    return [...new Set(found.map((a) => a.address))];
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    throw new Error(`cannot resolve node host ${JSON.stringify(host)} to the IPs the gateway labels its metrics with: ${code}`);
  }
}

/** The IPs of several hosts, without duplicates. */
export async function colorAddresses(hosts: readonly string[]): Promise<string[]> {
  const all = await Promise.all(hosts.map(nodeAddresses));
  return [...new Set(all.flat())];
}
