import { createRoundRobin } from "../../lib/gateway/balancer";

function countPicks(weights: Record<string, number>, picks: number): Record<string, number> {
  const rr = createRoundRobin(Object.entries(weights).map(([key, weight]) => ({ key, weight })));
  const counts: Record<string, number> = Object.fromEntries(Object.keys(weights).map((k) => [k, 0]));
  for (let i = 0; i < picks; i++) counts[rr.next()] += 1;
  return counts;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

describe("resty.roundrobin", () => {
  test.each<[Record<string, number>]>([
    [{ a: 3, b: 1 }],
    [{ a: 1, b: 2, c: 3 }],
    [{ a: 2, b: 4 }],
    [{ a: 5, b: 5, c: 10 }],
    [{ a: 90, b: 10 }],
    [{ a: 1, b: 1 }],
    [{ a: 7, b: 3, c: 0 }],
  ])("exact proportions over every full cycle: %j", (weights) => {
    const ws = Object.values(weights).filter((w) => w > 0);
    const cycle = ws.reduce((s, w) => s + w, 0) / ws.reduce(gcd);
    const rr = createRoundRobin(Object.entries(weights).map(([key, weight]) => ({ key, weight })));
    const g = ws.reduce(gcd);
    for (let c = 0; c < 5; c++) {
      const counts: Record<string, number> = {};
      for (let i = 0; i < cycle; i++) {
        const k = rr.next();
        counts[k] = (counts[k] ?? 0) + 1;
      }
      for (const [k, w] of Object.entries(weights)) expect(counts[k] ?? 0).toBe(w / g);
    }
  });

  test("LVS interleaving order for {A:2, R:1}", () => {
    const rr = createRoundRobin([
      { key: "A", weight: 2 },
      { key: "R", weight: 1 },
    ]);
    expect(Array.from({ length: 6 }, () => rr.next()).join("")).toBe("AARAAR");
  });

  test("only one entry is always picked, even at weight 0", () => {
    expect(countPicks({ a: 0 }, 10)).toEqual({ a: 10 });
    expect(countPicks({ a: 5 }, 3)).toEqual({ a: 3 });
  });

  test("zero weights are never picked when some weight is positive", () => {
    expect(countPicks({ a: 0, b: 1, c: 0 }, 20)).toEqual({ a: 0, b: 20, c: 0 });
    expect(countPicks({ a: 0, b: 3, c: 1 }, 40)).toEqual({ a: 0, b: 30, c: 10 });
  });

  test("all zero with two or more entries cycles equally", () => {
    expect(countPicks({ a: 0, b: 0 }, 10)).toEqual({ a: 5, b: 5 });
    expect(countPicks({ a: 0, b: 0, c: 0 }, 9)).toEqual({ a: 3, b: 3, c: 3 });
  });

  test("no entries is an error", () => {
    expect(() => createRoundRobin([])).toThrow();
  });
});
