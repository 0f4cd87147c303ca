import { bucketQuantile } from "../../lib/release/histogram-quantile";

// Cumulative counts 50, 70, 110, 120 at le 0.1, 0.2, 1, +Inf (Prometheus' testdata/histograms.test, at 50m).
const positive = [
  { upperBound: 0.1, count: 50 },
  { upperBound: 0.2, count: 70 },
  { upperBound: 1, count: 110 },
  { upperBound: Infinity, count: 120 },
];

describe("bucketQuantile (Prometheus' histogram_quantile)", () => {
  it("interpolates linearly inside the bucket that holds the rank, from 0 in the lowest one", () => {
    expect(bucketQuantile(0.2, positive)).toBeCloseTo(0.048, 12);
    expect(bucketQuantile(0.5, positive)).toBeCloseTo(0.15, 12);
    expect(bucketQuantile(0.8, positive)).toBeCloseTo(0.72, 12);
  });

  it("answers the highest finite bound when the rank falls in the +Inf bucket", () => {
    expect(bucketQuantile(0.99, positive)).toBe(1);
  });

  it("does not depend on the order of the buckets, and merges equal bounds", () => {
    expect(bucketQuantile(0.5, [...positive].reverse())).toBeCloseTo(0.15, 12);
    const split = [...positive, { upperBound: 0.2, count: 0 }];
    expect(bucketQuantile(0.5, split)).toBeCloseTo(0.15, 12);
  });

  it("forces the counts monotonic", () => {
    const broken = [
      { upperBound: 1, count: 10 },
      { upperBound: 2, count: 5 },
      { upperBound: 5, count: 20 },
      { upperBound: Infinity, count: 20 },
    ];
    // treated as 10, 10, 20, 20: rank 15 lies in (2, 5]
    expect(bucketQuantile(0.75, broken)).toBeCloseTo(2 + 3 * (5 / 10), 12);
  });

  it("returns the bound of a lowest bucket at or below 0", () => {
    expect(bucketQuantile(0.1, [{ upperBound: -1, count: 5 }, { upperBound: Infinity, count: 10 }])).toBe(-1);
  });

  it("is NaN without observations, without +Inf, or with one bucket; ±Inf outside [0, 1]", () => {
    expect(bucketQuantile(0.5, positive.map((b) => ({ ...b, count: 0 })))).toBeNaN();
    expect(bucketQuantile(0.5, positive.slice(0, 3))).toBeNaN();
    expect(bucketQuantile(0.5, [{ upperBound: Infinity, count: 3 }])).toBeNaN();
    expect(bucketQuantile(0.5, [])).toBeNaN();
    expect(bucketQuantile(-0.1, positive)).toBe(-Infinity);
    expect(bucketQuantile(1.1, positive)).toBe(Infinity);
  });
});
