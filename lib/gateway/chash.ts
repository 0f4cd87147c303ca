/**
 * Consistent hashing for `type: "chash"` upstreams (in the spirit of resty.chash: a CRC32 ring with points per
 * node proportional to weight). The hash key comes from `hash_on` + `key`; without a value the client address is
 * used, as APISIX does.
 */
import type { VarLookup } from "../expr/vars";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32 of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  let c = 0xffffffff;
  for (const byte of Buffer.from(text)) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A hash ring over keys. */
export interface HashRing<T> {
  find(hashKey: string): T;
}

/** Builds a ring with up to 160 points per unit of (gcd-normalized) weight, capped for large weights. */
export function createHashRing<T>(entries: ReadonlyArray<{ readonly key: T; readonly id: string; readonly weight: number }>): HashRing<T> {
  const positive = entries.filter((e) => e.weight > 0);
  const used = positive.length > 0 ? positive : entries;
  const total = used.reduce((s, e) => s + Math.max(e.weight, 1), 0);
  const points: { hash: number; key: T }[] = [];
  for (const e of used) {
    const count = Math.max(1, Math.round((Math.max(e.weight, 1) / total) * 160 * used.length));
    for (let i = 0; i < count; i++) points.push({ hash: crc32(`${e.id}#${i}`), key: e.key });
  }
  points.sort((a, b) => a.hash - b.hash);
  return {
    find(hashKey: string): T {
      const h = crc32(hashKey);
      let lo = 0;
      let hi = points.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (points[mid].hash < h) lo = mid + 1;
        else hi = mid;
      }
      return points[lo % points.length].key;
    },
  };
}

/** The chash key value for a request: `hash_on` vars (default) | header | cookie | consumer | vars_combinations. */
export function chashKey(hashOn: string | undefined, key: string | undefined, vars: VarLookup): string {
  let value: unknown;
  if (key) {
    if (hashOn === "header") value = vars(`http_${key}`);
    else if (hashOn === "cookie") value = vars(`cookie_${key}`);
    else if (hashOn === "vars_combinations") value = key.replace(/\$([A-Za-z0-9_]+)/g, (_m, n: string) => String(vars(n) ?? ""));
    else if (hashOn !== "consumer") value = vars(key);
  }
  if (typeof value === "string" && value !== "") return value;
  return String(vars("remote_addr") ?? "");
}
