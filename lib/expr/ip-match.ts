/**
 * IPv4/IPv6 address and CIDR matching, like lua-resty-ipmatcher as lua-resty-expr's `ipmatch` operator uses it.
 * IPv4 addresses only match IPv4 entries and IPv6 addresses only IPv6 entries.
 */

interface Range {
  readonly v6: boolean;
  readonly base: bigint;
  readonly mask: bigint;
}

/** A compiled set of IPs / CIDRs. */
export interface IpMatcher {
  match(ip: unknown): boolean;
}

/** Parses a dotted-quad IPv4 address into a 32-bit bigint, or undefined. */
export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** Parses an IPv6 address (with `::` compression and an optional trailing dotted quad) into a 128-bit bigint. */
export function parseIpv6(text: string): bigint | undefined {
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s === "" || /[^0-9a-fA-F:.]/.test(s)) return undefined;
  const words: number[] = [];
  const double = s.split("::");
  if (double.length > 2) return undefined;
  const parseSide = (side: string, allowTail: boolean): number[] | undefined => {
    if (side === "") return [];
    const out: number[] = [];
    const groups = side.split(":");
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (allowTail && i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  if (double.length === 2) {
    const head = parseSide(double[0], false);
    const tail = parseSide(double[1], true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseSide(s, true);
    if (!all || all.length !== 8) return undefined;
    words.push(...all);
  }
  let value = 0n;
  for (const w of words) value = (value << 16n) | BigInt(w);
  return value;
}

function parseAddress(text: string): { v6: boolean; value: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== undefined) return { v6: true, value: v6 };
  return undefined;
}

function parseRange(entry: string): Range | undefined {
  const slash = entry.indexOf("/");
  const addrText = slash < 0 ? entry : entry.slice(0, slash);
  const addr = parseAddress(addrText);
  if (!addr) return undefined;
  const bits = addr.v6 ? 128 : 32;
  let prefix = bits;
  if (slash >= 0) {
    const p = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > bits) return undefined;
    prefix = Number(p);
  }
  const all = (1n << BigInt(bits)) - 1n;
  const mask = prefix === 0 ? 0n : (all << BigInt(bits - prefix)) & all;
  return { v6: addr.v6, base: addr.value & mask, mask };
}

/**
 * Compiles IPs/CIDRs. Throws `Error("invalid ip address: <entry>")` for an unparsable entry, like resty.ipmatcher.
 */
export function compileIpMatcher(entries: readonly string[]): IpMatcher {
  const ranges: Range[] = [];
  for (const entry of entries) {
    const range = typeof entry === "string" ? parseRange(entry) : undefined;
    if (!range) throw new Error(`invalid ip address: ${String(entry)}`);
    ranges.push(range);
  }
  const v4 = ranges.filter((r) => !r.v6);
  const v6 = ranges.filter((r) => r.v6);
  return {
    match(ip: unknown): boolean {
      if (typeof ip !== "string") return false;
      const addr = parseAddress(ip);
      if (!addr) return false;
      const list = addr.v6 ? v6 : v4;
      for (const r of list) if ((addr.value & r.mask) === r.base) return true;
      return false;
    },
  };
}
