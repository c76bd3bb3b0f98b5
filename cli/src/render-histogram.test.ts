import { describe, expect, it } from "vitest";
import { renderHistogram } from "./render-histogram.ts";

describe("renderHistogram", () => {
  it("prints buckets as bpftrace does (label in 16 columns, count in 8, a 52-wide bar), then p50 and p99", () => {
    const lines = renderHistogram({
      type: "hist",
      map: "@usecs",
      series: [
        {
          key: null,
          total: 90,
          buckets: [
            { min: 4, max: 7, count: 10 },
            { min: 8, max: 15, count: 80 },
          ],
        },
      ],
    });
    expect(lines[0]).toBe("@usecs:");
    expect(lines[1]).toBe(`[4, 8)                10 |${"@".repeat(6).padEnd(52)}|`);
    expect(lines[2]).toBe(`[8, 16)               80 |${"@".repeat(52)}|`);
    // 45th sample of 90 lies 35/80 of the way through [8, 16): 11.5 µs; the 89.1th at 15.9 µs.
    expect(lines[3]).toBe("p50 11.5 µs   p99 15.9 µs   total 90");
  });

  it("names each key of a keyed histogram, and says '-' for an empty one", () => {
    const lines = renderHistogram({ type: "hist", map: "@bytes", series: [{ key: "nginx", total: 0, buckets: [{ min: 0, max: 0, count: 0 }] }] });
    expect(lines[0]).toBe("@bytes[nginx]:");
    expect(lines[1]).toBe(`[0]                    0 |${" ".repeat(52)}|`);
    expect(lines[2]).toBe("p50 -   p99 -   total 0");
  });
});
