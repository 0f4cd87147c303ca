/**
 * `resty.roundrobin` (lua-resty-balancer): classic LVS interleaved weighted round robin. The threshold starts at
 * the max weight and drops by gcd(weights) after each pass over the keys; a pass picks every key whose weight is
 * at least the threshold. Every window of sum(w)/gcd picks (aligned to the start) has exact proportions.
 * Edge cases as in the library: one key → always it (even weight 0); zero-weight keys never picked unless all
 * weights are 0, in which case keys are cycled equally. Deterministic start (first key) instead of a random one.
 */

/** A weighted picker over keys of type T. */
export interface RoundRobin<T> {
  next(): T;
  readonly size: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Builds a picker. `entries` must be non-empty; duplicate keys are the caller's business. */
export function createRoundRobin<T>(entries: ReadonlyArray<{ readonly key: T; readonly weight: number }>): RoundRobin<T> {
  if (entries.length === 0) throw new Error("roundrobin: no entries");
  const keys = entries.map((e) => e.key);
  if (keys.length === 1) {
    const only = keys[0];
    return { size: 1, next: () => only };
  }
  const weights = entries.map((e) => (Number.isFinite(e.weight) && e.weight > 0 ? Math.floor(e.weight) : 0));
  const maxWeight = Math.max(...weights);
  const step = weights.reduce((g, w) => gcd(g, w), 0);
  let cw = maxWeight;
  let last = -1;
  const n = keys.length;
  return {
    size: n,
    next(): T {
      // With all weights 0 (max = gcd = 0) every key satisfies weight >= 0, so keys simply cycle.
      for (;;) {
        for (let i = last + 1; i < n; i++) {
          if (weights[i] >= cw) {
            last = i;
            return keys[i];
          }
        }
        last = -1;
        cw -= step;
        if (cw <= 0) cw = maxWeight;
      }
    },
  };
}
