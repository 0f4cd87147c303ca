/**
 * The checks APISIX's `check_upstream_conf` (apisix/upstream.lua 454-541) runs after the JSON schema: hash-form
 * ports, IPv6 brackets, `pass_host: rewrite` needs `upstream_host`, `chash` needs a valid `key`.
 */
import { apisixPathPrefix } from "./format-issue";

const VARS_KEY = /^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$/;
const HEADER_KEY = /^[a-zA-Z0-9-_]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True for a bare IPv6 literal (two or more colons) that is not enclosed in brackets. */
function isBareIpv6(host: string): boolean {
  return !host.startsWith("[") && (host.match(/:/g)?.length ?? 0) >= 2;
}

function checkHashNodes(nodes: Record<string, unknown>): string | undefined {
  for (const addr of Object.keys(nodes)) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(.*))?$/.exec(addr);
    if (!m) {
      if (isBareIpv6(addr)) return "invalid configuration: IPv6 address must be enclosed with '[' and ']'";
      return `invalid configuration: invalid node address ${JSON.stringify(addr)}, expected "host:port" or "host"`;
    }
    if (m[2] !== undefined) {
      const port = Number(m[2]);
      if (!/^\d+$/.test(m[2]) || port < 1 || port > 65535) return `invalid port ${m[2]}`;
    }
  }
  return undefined;
}

function checkArrayNodes(nodes: unknown[]): string | undefined {
  for (const node of nodes) {
    if (isRecord(node) && typeof node.host === "string" && isBareIpv6(node.host)) {
      return "invalid configuration: IPv6 address must be enclosed with '[' and ']'";
    }
  }
  return undefined;
}

function checkChashKey(u: Record<string, unknown>): string | undefined {
  const hashOn = typeof u.hash_on === "string" ? u.hash_on : "vars";
  if (hashOn === "consumer") return undefined;
  if (typeof u.key !== "string" || u.key === "") return "missing key";
  const pattern = hashOn === "vars" ? VARS_KEY : hashOn === "header" || hashOn === "cookie" ? HEADER_KEY : undefined;
  if (pattern && !pattern.test(u.key)) {
    return `invalid configuration: ${apisixPathPrefix(["key"])}failed to match pattern ${JSON.stringify(pattern.source)} with ${JSON.stringify(u.key)}`;
  }
  return undefined;
}

/** Runs the non-schema upstream checks on a schema-valid upstream; returns APISIX's error message or undefined. */
export function checkUpstreamConf(upstream: unknown): string | undefined {
  if (!isRecord(upstream)) return undefined;
  const nodes = upstream.nodes;
  const nodeError = Array.isArray(nodes) ? checkArrayNodes(nodes) : isRecord(nodes) ? checkHashNodes(nodes) : undefined;
  if (nodeError) return nodeError;
  if (upstream.pass_host === "rewrite" && (typeof upstream.upstream_host !== "string" || upstream.upstream_host === "")) {
    return "`upstream_host` can't be empty when `pass_host` is `rewrite`";
  }
  if (upstream.type === "chash") return checkChashKey(upstream);
  return undefined;
}
