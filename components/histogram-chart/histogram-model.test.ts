import { describe, expect, it } from "vitest";
import { buildHistogramModel, describeHistogram, rowPosition } from "./histogram-model.ts";

describe("buildHistogramModel", () => {
  it("shows the buckets from the first non-empty one to the last, empty ones between included", () => {
    const model = buildHistogramModel(
      [
        { min: 0, max: 0, count: 0 },
        { min: 1, max: 1, count: 2 },
        { min: 2, max: 3, count: 0 },
        { min: 4, max: 7, count: "5" },
        { min: 8, max: 15, count: 0 },
      ],
      "us",
    );
    expect(model.rows.map((row) => [row.label, row.countText])).toEqual([
      ["[1 µs]", "2"],
      ["[2 µs, 4 µs)", "0"],
      ["[4 µs, 8 µs)", "5"],
    ]);
    expect(model.maxCount).toBe(5);
  });

  it("changes its signature exactly when a label or a count changes", () => {
    const before = buildHistogramModel([{ min: 2, max: 3, count: 1 }], "none");
    const same = buildHistogramModel([{ min: 2, max: 3, count: 1 }], "none");
    const grown = buildHistogramModel([{ min: 2, max: 3, count: 2 }], "none");
    const otherUnit = buildHistogramModel([{ min: 2, max: 3, count: 1 }], "ms");
    expect(same.signature).toBe(before.signature);
    expect(grown.signature).not.toBe(before.signature);
    expect(otherUnit.signature).not.toBe(before.signature);
  });
});

describe("rowPosition", () => {
  // Rows [0, 10), [10, 20), [100, ...)
  const { rows } = buildHistogramModel(
    [
      { min: 0, max: 9, count: 1 },
      { min: 10, max: 19, count: 1 },
      { min: 100, max: null, count: 1 },
    ],
    "none",
  );

  it("interpolates inside a bounded bucket", () => {
    // 15 is halfway through [10, 20), the second row
    expect(rowPosition(rows, 15)).toBe(1.5);
    expect(rowPosition(rows, 0)).toBe(0);
  });

  it("puts a value in an open bucket at its middle", () => {
    expect(rowPosition(rows, 5000)).toBe(2.5);
  });

  it("puts a value in a gap between buckets at the top of the next row, and clamps below the first", () => {
    // 50 lies between [10, 20) and [100, ...)
    expect(rowPosition(rows, 50)).toBe(2);
    expect(rowPosition(rows, -3)).toBe(0);
  });
});

describe("describeHistogram", () => {
  it("summarizes samples, buckets and percentiles in the histogram's unit", () => {
    // 4 samples in [8, 16): p50 = 8 + 0.5 × 8 = 12, p90 = 8 + 0.9 × 8 = 15.2, p99 = 15.92, max 16
    const model = buildHistogramModel([{ min: 8, max: 15, count: 4 }], "us");
    expect(describeHistogram(model, "@usecs")).toBe("@usecs: 4 samples in 1 bucket; p50 12 µs, p90 15.2 µs, p99 15.9 µs, max 16 µs");
  });

  it("says when there is nothing to show", () => {
    expect(describeHistogram(buildHistogramModel([], "ns"), undefined)).toBe("Histogram: no samples");
  });
});
