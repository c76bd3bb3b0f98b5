import { describe, expect, it } from "vitest";
import { alignBuckets, chiSquareHomogeneity, chiSquareSurvival, compareHistograms, regularizedUpperGamma } from "./compare-histograms.ts";

describe("chiSquareSurvival", () => {
  it("matches closed forms: e^(−x/2) for 2 degrees of freedom, erfc(√(x/2)) for 1", () => {
    // df = 2: P(X ≥ 20) = e^-10
    expect(chiSquareSurvival(20, 2)).toBeCloseTo(Math.exp(-10), 15);
    // df = 1: P(X ≥ 16/3) = erfc(√(8/3)) = 0.020921335337794 (Python's math.erfc)
    expect(chiSquareSurvival(16 / 3, 1)).toBeCloseTo(0.020921335337794, 12);
    // df = 4: P(X ≥ x) = e^(−x/2) (1 + x/2); x = 9.4877 is the 95th percentile
    expect(chiSquareSurvival(9.4877, 4)).toBeCloseTo(Math.exp(-9.4877 / 2) * (1 + 9.4877 / 2), 12);
    expect(chiSquareSurvival(9.4877, 4)).toBeCloseTo(0.05, 4);
  });

  it("is 1 at zero and tends to 0 far out", () => {
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(2000, 3)).toBeLessThan(1e-300);
  });

  it("agrees with Q(1, x) = e^−x on both sides of the series/continued-fraction switch", () => {
    for (const x of [0.1, 1.9, 2.1, 30]) expect(regularizedUpperGamma(1, x)).toBeCloseTo(Math.exp(-x), 14);
  });
});

describe("chiSquareHomogeneity", () => {
  it("computes the statistic of a 2 × 3 table by hand", () => {
    // Rows 60 and 60, columns 40 each: every expected count is 20.
    // χ² = 2 × ((10 − 20)²/20 + 0 + (30 − 20)²/20) = 20, df 2, p = e^-10
    const test = chiSquareHomogeneity([10, 20, 30], [30, 20, 10]);
    expect(test).toMatchObject({ testable: true, degreesOfFreedom: 2, groups: 3, differ: true });
    if (!test.testable) throw new Error("testable");
    expect(test.statistic).toBeCloseTo(20, 12);
    expect(test.pValue).toBeCloseTo(Math.exp(-10), 15);
    // Cramér's V = √(20 / 120)
    expect(test.cramersV).toBeCloseTo(Math.sqrt(20 / 120), 12);
  });

  it("computes a 2 × 2 table by hand, and calls p = 0.021 no difference at the 1% level", () => {
    // Expected: row A 25, 15; row B 25, 15. χ² = 2 × (5²/25 + 5²/15) = 16/3
    const test = chiSquareHomogeneity([30, 10], [20, 20]);
    if (!test.testable) throw new Error("testable");
    expect(test.statistic).toBeCloseTo(16 / 3, 12);
    expect(test.pValue).toBeCloseTo(0.020921335337794, 12);
    expect(test.differ).toBe(false);
  });

  it("finds identical shapes identical, whatever the sample sizes", () => {
    const test = chiSquareHomogeneity([10, 40, 50], [100, 400, 500]);
    if (!test.testable) throw new Error("testable");
    expect(test.statistic).toBeCloseTo(0, 12);
    expect(test.pValue).toBe(1);
    expect(test.differ).toBe(false);
  });

  it("pools sparse neighbours until each expected count reaches 5, and drops buckets empty on both sides", () => {
    // Totals 100 and 100. Buckets 1 and 2 have column totals 5 and 5 (expected 2.5 each): pooled into (5, 5).
    // The empty bucket drops out. Table [5, 45, 50] / [5, 50, 45]: expected 5 | 47.5 | 47.5.
    // χ² = 0 + 4 × 2.5²/47.5 = 25/47.5, df 2, p = e^(−χ²/2)
    const test = chiSquareHomogeneity([2, 3, 0, 45, 50], [3, 2, 0, 50, 45]);
    if (!test.testable) throw new Error("testable");
    expect(test.groups).toBe(3);
    expect(test.statistic).toBeCloseTo(25 / 47.5, 12);
    expect(test.pValue).toBeCloseTo(0.7686205265937358, 12);
  });

  it("refuses to test with too few samples or an empty side", () => {
    expect(chiSquareHomogeneity([1, 2], [2, 1])).toMatchObject({ testable: false });
    expect(chiSquareHomogeneity([0, 0], [5, 5])).toEqual({ testable: false, reason: "one side has no samples" });
  });
});

describe("compareHistograms", () => {
  it("matches buckets by their bounds even when bpftrace trimmed different empty ones", () => {
    const aligned = alignBuckets(
      [
        { min: 4, max: 7, count: 1 },
        { min: 8, max: 15, count: 2 },
      ],
      [
        { min: 8, max: 15, count: 5 },
        { min: 16, max: 31, count: "3" },
      ],
    );
    expect(aligned).toEqual([
      { min: 4, max: 7, a: 1, b: 0 },
      { min: 8, max: 15, a: 2, b: 5 },
      { min: 16, max: 31, a: 0, b: 3 },
    ]);
  });

  it("reports each percentile's shift and says plainly that the distributions differ", () => {
    // A: 100 samples in [8, 16) µs; B: 100 samples in [16, 32) µs.
    // p50: 8 + 0.5 × 8 = 12 → 16 + 0.5 × 16 = 24 (+100%)
    const comparison = compareHistograms([{ min: 8, max: 15, count: 100 }], [{ min: 16, max: 31, count: 100 }], "us", { a: "baseline", b: "incident" });
    const p50 = comparison.shifts.find((shift) => shift.name === "p50")!;
    expect(p50).toEqual({ name: "p50", a: 12, b: 24, change: 12, relative: 1 });
    expect(comparison.test).toMatchObject({ testable: true, differ: true, degreesOfFreedom: 1 });
    expect(comparison.statement).toMatch(/^From baseline to incident: p50 12 µs → 24 µs \(\+100%\)/);
    expect(comparison.statement).toContain("The distributions differ");
    expect(comparison.statement).toContain("the effect is large");
  });

  it("says when the samples cannot be told apart", () => {
    const comparison = compareHistograms(
      [
        { min: 1, max: 1, count: 50 },
        { min: 2, max: 3, count: 50 },
      ],
      [
        { min: 1, max: 1, count: 52 },
        { min: 2, max: 3, count: 48 },
      ],
    );
    expect(comparison.test).toMatchObject({ testable: true, differ: false });
    expect(comparison.statement).toContain("No significant difference");
  });
});
