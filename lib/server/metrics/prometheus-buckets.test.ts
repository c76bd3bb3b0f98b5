import { describe, expect, it } from "vitest";
import { toPrometheusBuckets } from "./prometheus-buckets.ts";

describe("toPrometheusBuckets", () => {
  it("turns log2 buckets into cumulative buckets named by their inclusive upper bound", () => {
    const { buckets, count, sum } = toPrometheusBuckets([
      { min: null, max: -1, count: 1 },
      { min: 0, max: 0, count: 2 },
      { min: 1, max: 1, count: 0 },
      { min: 2, max: 3, count: 3 },
      { min: 4, max: 7, count: 4 },
    ]);
    expect(buckets).toEqual([
      { le: "-1", count: 1 },
      { le: "0", count: 3 },
      { le: "1", count: 3 },
      { le: "3", count: 6 },
      { le: "7", count: 10 },
      { le: "+Inf", count: 10 },
    ]);
    expect(count).toBe(10);
    // −1 × 1 + 0.5 × 2 + 3 × 3 + 6 × 4
    expect(sum).toBe(-1 + 1 + 9 + 24);
  });

  it("counts lhist's open top bucket only in +Inf, and keeps bounds beyond 2^53 exact", () => {
    const { buckets } = toPrometheusBuckets([
      { min: 0, max: 9, count: 1 },
      { min: "9007199254740993", max: "18014398509481985", count: 2 },
      { min: 100, max: null, count: 5 },
    ]);
    expect(buckets).toEqual([
      { le: "9", count: 1 },
      { le: "18014398509481985", count: 3 },
      { le: "+Inf", count: 8 },
    ]);
  });
});
