/**
 * Prometheus' `histogram_quantile` for classic (bucketed) histograms, as promql/quantile.go `bucketQuantile` computes
 * it: buckets sorted by upper bound, equal bounds merged, counts forced monotonic; the rank `q * count(+Inf)` is found
 * in the first bucket whose cumulative count reaches it and interpolated linearly inside that bucket (from 0 for the
 * lowest bucket when its bound is positive); a rank in the +Inf bucket answers the highest finite bound.
 * NaN when there are no observations, fewer than two buckets, or no +Inf bucket.
 */

/** One cumulative bucket: `le` and its count. */
export interface Bucket {
  readonly upperBound: number;
  readonly count: number;
}

/** The `q`-quantile (0 ≤ q ≤ 1) of cumulative `buckets`. */
export function bucketQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (buckets.length === 0) return NaN;
  const sorted = [...buckets].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted[sorted.length - 1].upperBound !== Infinity) return NaN;
  const merged: { upperBound: number; count: number }[] = [];
  for (const b of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else merged.push({ ...b });
  }
  correctPrecisionErrors(merged, 1e-12);
  let max = merged[0].count;
  for (const b of merged) {
    if (b.count > max) max = b.count;
    else b.count = max;
  }
  if (merged.length < 2) return NaN;
  const observations = merged[merged.length - 1].count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = merged.findIndex((bucket, i) => i < merged.length - 1 && bucket.count >= rank);
  if (b < 0) b = merged.length - 1;
  if (b === merged.length - 1) return merged[merged.length - 2].upperBound;
  if (b === 0 && merged[0].upperBound <= 0) return merged[0].upperBound;
  let bucketStart = 0;
  const bucketEnd = merged[b].upperBound;
  let count = merged[b].count;
  if (b > 0) {
    bucketStart = merged[b - 1].upperBound;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Counts that differ from the previous one by a relative `tolerance` or less are set equal to it. */
function correctPrecisionErrors(buckets: { count: number }[], tolerance: number): void {
  let prev = buckets[0].count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i].count;
    const delta = Math.abs(curr - prev);
    if (delta === 0) continue;
    if (delta / curr <= tolerance) buckets[i].count = prev;
    else prev = curr;
  }
}
