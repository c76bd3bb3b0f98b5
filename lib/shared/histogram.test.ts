import { describe, expect, it } from "vitest";
import { estimatePercentile, formatBucketLabel, formatValue, inferUnit, summarizeHistogram, toBigInt, totalCount, type HistogramBucket } from "./histogram.ts";

// The parser's example: `@usecs = hist(...)` with one negative sample.
const usecs: HistogramBucket[] = [
  { min: null, max: -1, count: 1 },
  { min: 0, max: 0, count: 3 },
  { min: 1, max: 1, count: 2 },
  { min: 2, max: 3, count: 7 },
  { min: 4, max: 7, count: 0 },
  { min: 8, max: 15, count: 12 },
];

// `lhist(n, 0, 100, 10)` with samples in the first two buckets and the overflow.
const linear: HistogramBucket[] = [
  { min: 0, max: 9, count: 5 },
  { min: 10, max: 19, count: 5 },
  { min: 100, max: null, count: 10 },
];

describe("formatBucketLabel", () => {
  it("labels log2 buckets as bpftrace prints them", () => {
    // Upper bounds print exclusive: max + 1.
    expect(usecs.map((bucket) => formatBucketLabel(bucket))).toEqual([
      "(..., 0)", // max -1 → below 0
      "[0]",
      "[1]",
      "[2, 4)", // 3 + 1
      "[4, 8)",
      "[8, 16)",
    ]);
  });

  it("uses K/M/E suffixes for multiples of 1024 in log2 buckets", () => {
    // 4096 = 4 × 1024, 8192 = 8 × 1024
    expect(formatBucketLabel({ min: 4096, max: 8191, count: 1 })).toBe("[4K, 8K)");
    // 512 is no multiple of 1024; 1024 = 1K
    expect(formatBucketLabel({ min: 512, max: 1023, count: 1 })).toBe("[512, 1K)");
    // 2^20 = 1M, 2^21 = 2M
    expect(formatBucketLabel({ min: 1048576, max: 2097151, count: 1 })).toBe("[1M, 2M)");
    // 2^62 = 4 × 1024^6 = 4E and 2^63 = 8E; 2^63 − 1 arrives as a string (above 2^53)
    expect(formatBucketLabel({ min: "4611686018427387904", max: "9223372036854775807", count: 1 })).toBe("[4E, 8E)");
  });

  it("labels linear buckets, their underflow and their open top", () => {
    expect(linear.map((bucket) => formatBucketLabel(bucket))).toEqual(["[0, 10)", "[10, 20)", "[100, ...)"]);
    // lhist(n, 10, ...) puts everything below 10 in {min: null, max: 9}
    expect(formatBucketLabel({ min: null, max: 9, count: 1 })).toBe("(..., 10)");
  });

  it("suffixes linear bounds only when the step is a multiple of 1024", () => {
    // step 1024: 2048 = 2K, 3072 = 3K
    expect(formatBucketLabel({ min: 2048, max: 3071, count: 1 })).toBe("[2K, 3K)");
    // step 10: bpftrace prints plain numbers
    expect(formatBucketLabel({ min: 1020, max: 1029, count: 1 })).toBe("[1020, 1030)");
    // step 1: one value per bucket, still printed as a range by lhist
    expect(formatBucketLabel({ min: 7, max: 7, count: 1 })).toBe("[7, 8)");
    expect(formatBucketLabel({ min: 1024, max: 1024, count: 1 })).toBe("[1024, 1025)");
  });

  it("keeps bounds above 2^53 exact", () => {
    // 2^53 + 1 = 9007199254740993 is not representable as a double
    expect(formatBucketLabel({ min: "9007199254740993", max: "9007199254740993", count: 1 })).toBe("[9007199254740993, 9007199254740994)");
  });

  it("writes bounds as durations when the histogram has a time unit", () => {
    expect(formatBucketLabel({ min: 4, max: 7, count: 1 }, "us")).toBe("[4 µs, 8 µs)");
    // 1024 µs = 1.024 ms → 1.02 ms; 2048 µs = 2.048 ms → 2.05 ms
    expect(formatBucketLabel({ min: 1024, max: 2047, count: 1 }, "us")).toBe("[1.02 ms, 2.05 ms)");
    // 65536 ns = 65.536 µs → 65.5 µs; 131072 ns = 131.072 µs → 131 µs
    expect(formatBucketLabel({ min: 65536, max: 131071, count: 1 }, "ns")).toBe("[65.5 µs, 131 µs)");
    // 1024 ms = 1.024 s; 2048 ms = 2.048 s
    expect(formatBucketLabel({ min: 1024, max: 2047, count: 1 }, "ms")).toBe("[1.02 s, 2.05 s)");
    // 64 s = 1.0667 min → 1.07 min; 128 s = 2.1333 min → 2.13 min
    expect(formatBucketLabel({ min: 64, max: 127, count: 1 }, "s")).toBe("[1.07 min, 2.13 min)");
    // zero needs no unit
    expect(formatBucketLabel({ min: null, max: -1, count: 1 }, "us")).toBe("(..., 0)");
    expect(formatBucketLabel({ min: 0, max: 0, count: 1 }, "us")).toBe("[0]");
    expect(formatBucketLabel({ min: 1, max: 1, count: 1 }, "ns")).toBe("[1 ns]");
  });
});

describe("formatValue", () => {
  it("shows durations in the largest unit they reach", () => {
    // 27/7 µs = 3.857… µs
    expect(formatValue(27 / 7, "us")).toBe("3.86 µs");
    expect(formatValue(16, "us")).toBe("16 µs");
    // 1e9 ns = 1 s
    expect(formatValue(1e9, "ns")).toBe("1 s");
    // 1500 ms = 1.5 s
    expect(formatValue(1500, "ms")).toBe("1.5 s");
  });

  it("shows plain values with three significant digits and binary suffixes", () => {
    // 1536 / 1024 = 1.5
    expect(formatValue(1536)).toBe("1.5K");
    expect(formatValue(100)).toBe("100");
    // 43/3 = 14.333…
    expect(formatValue(43 / 3)).toBe("14.3");
    expect(formatValue(0.5)).toBe("0.5");
  });
});

describe("inferUnit", () => {
  it.each([
    ["@usecs", "us"],
    ["@us", "us"],
    ["@ns", "ns"],
    ["@nsecs", "ns"],
    ["@ms", "ms"],
    ["@msecs", "ms"],
    ["@latency_us", "us"],
    ["@read_lat_ns", "ns"],
    ["@readLatencyMs", "ms"], // camelCase splits into read, latency, ms
    ["@seconds", "s"],
    ["@wait_s", "s"], // a bare "s" counts as a suffix
    ["@us_by_comm", "us"],
    ["@ms_to_ns", "ns"], // the last unit word wins
  ] as const)("%s → %s", (mapName, unit) => {
    expect(inferUnit(mapName)).toBe(unit);
  });

  it.each(["@", "@bytes", "@s", "@status", "@syscalls", "@dist"])("%s has no unit", (mapName) => {
    expect(inferUnit(mapName)).toBe("none");
  });
});

describe("totals", () => {
  it("sums counts exactly, from numbers and decimal strings", () => {
    // 1 + 3 + 2 + 7 + 0 + 12 = 25
    expect(totalCount(usecs)).toBe(25n);
    // (2^53 + 1) + 1 = 9007199254740994, beyond what a double adds exactly
    expect(
      totalCount([
        { min: 0, max: 0, count: "9007199254740993" },
        { min: 1, max: 1, count: 1 },
      ]),
    ).toBe(9007199254740994n);
  });

  it("rejects values that are not integers", () => {
    expect(() => toBigInt("1.5")).toThrow(RangeError);
    expect(() => toBigInt(1.5)).toThrow(RangeError);
    expect(() => toBigInt("12abc")).toThrow(RangeError);
    expect(toBigInt("-42")).toBe(-42n);
  });
});

describe("estimatePercentile", () => {
  // Cumulative counts of `usecs`: 1 (negative), 4 ([0]), 6 ([1]), 13 ([2, 4)), 13 ([4, 8)), 25 ([8, 16)).
  it("interpolates inside the bucket that holds the rank", () => {
    // p50: rank 0.5 × 25 = 12.5, in [2, 4) with 6 before and 7 inside:
    // 2 + (12.5 − 6) / 7 × (3 + 1 − 2) = 2 + 13/7 = 27/7
    expect(estimatePercentile(usecs, 50)).toBeCloseTo(27 / 7, 10);
    // p90: rank 22.5, in [8, 16) with 13 before and 12 inside:
    // 8 + (22.5 − 13) / 12 × 8 = 8 + 76/12 = 43/3
    expect(estimatePercentile(usecs, 90)).toBeCloseTo(43 / 3, 10);
    // p99: rank 24.75 → 8 + (24.75 − 13) / 12 × 8 = 8 + 94/12 = 95/6
    expect(estimatePercentile(usecs, 99)).toBeCloseTo(95 / 6, 10);
    // p10: rank 2.5, in [0] with 1 before and 3 inside: 0 + (1.5 / 3) × 1 = 0.5
    expect(estimatePercentile(usecs, 10)).toBeCloseTo(0.5, 10);
    // p20: rank 5, in [1] with 4 before and 2 inside: 1 + (1 / 2) × 1 = 1.5
    expect(estimatePercentile(usecs, 20)).toBeCloseTo(1.5, 10);
  });

  it("gives the upper edge of the highest non-empty bucket as the maximum", () => {
    // p100: rank 25, all 12 of [8, 16) → 8 + 1 × 8 = 16
    expect(estimatePercentile(usecs, 100)).toBe(16);
  });

  it("clamps ranks in the negative bucket and the open top bucket to their known bound", () => {
    // p2: rank 0.5 falls in the negative bucket, whose only known bound is max = −1
    expect(estimatePercentile(usecs, 2)).toBe(-1);
    // p90 of `linear`: rank 18 of 20 falls in [100, ...) → its min, 100
    expect(estimatePercentile(linear, 90)).toBe(100);
    expect(estimatePercentile(linear, 100)).toBe(100);
    // p40: rank 8, in [10, 20) with 5 before and 5 inside: 10 + 3/5 × 10 = 16
    expect(estimatePercentile(linear, 40)).toBeCloseTo(16, 10);
  });

  it("puts a rank on a bucket edge at the top of the lower bucket", () => {
    // rank 0.5 × 4 = 2 fills [0] exactly: 0 + 2/2 × 1 = 1, the lower edge of [1]
    const even: HistogramBucket[] = [
      { min: 0, max: 0, count: 2 },
      { min: 1, max: 1, count: 2 },
    ];
    expect(estimatePercentile(even, 50)).toBe(1);
  });

  it("reads counts given as strings", () => {
    // total 3 + 1 = 4; p50 rank 2 in [0] with 3 inside: 0 + 2/3 × 1
    const stringCounts: HistogramBucket[] = [
      { min: 0, max: 0, count: "3" },
      { min: 1, max: 1, count: "1" },
    ];
    expect(estimatePercentile(stringCounts, 50)).toBeCloseTo(2 / 3, 10);
  });

  it("has no estimate without samples", () => {
    expect(estimatePercentile([], 50)).toBeNull();
    expect(estimatePercentile([{ min: 0, max: 0, count: 0 }], 99)).toBeNull();
  });

  it("rejects percentiles outside 0..100", () => {
    expect(() => estimatePercentile(usecs, 101)).toThrow(RangeError);
    expect(() => estimatePercentile(usecs, Number.NaN)).toThrow(RangeError);
  });
});

describe("summarizeHistogram", () => {
  it("collects total, non-empty buckets and the usual percentiles", () => {
    const summary = summarizeHistogram(usecs);
    expect(summary.total).toBe(25n);
    // every bucket but [4, 8)
    expect(summary.nonEmptyBuckets).toBe(5);
    expect(summary.p50).toBeCloseTo(27 / 7, 10);
    expect(summary.p90).toBeCloseTo(43 / 3, 10);
    expect(summary.p99).toBeCloseTo(95 / 6, 10);
    expect(summary.max).toBe(16);
  });
});
