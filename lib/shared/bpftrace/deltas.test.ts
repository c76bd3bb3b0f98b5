import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HistDeltaTracker } from "./deltas.ts";
import { OutputParser } from "./parse-output.ts";
import type { HistBucket, HistRecord } from "./records.ts";

function hist(map: string, series: Record<string, HistBucket[]>): HistRecord {
  return {
    type: "hist",
    map,
    series: Object.entries(series).map(([key, buckets]) => ({
      key: key === "" ? null : key,
      buckets,
      total: buckets.reduce((sum, bucket) => sum + Number(bucket.count), 0),
    })),
  };
}

function countsOf(record: HistRecord): Record<string, (number | string)[]> {
  return Object.fromEntries(record.series.map((series) => [series.key ?? "", series.buckets.map((bucket) => bucket.count)]));
}

describe("HistDeltaTracker", () => {
  it("turns the cumulative prints of a recorded run into per-interval counts", () => {
    const parser = new OutputParser();
    const fixture = readFileSync(path.join(import.meta.dirname, "fixtures/v0.17/syscall-latency-interval.jsonl"));
    const prints = [...parser.push(fixture), ...parser.end()].flatMap((line) =>
      line.kind === "record" && line.record.type === "hist" && line.record.map === "@usecs" ? [line.record] : [],
    );
    expect(prints).toHaveLength(4); // three interval prints and the exit dump

    const tracker = new HistDeltaTracker();
    const deltas = prints.map((print) => tracker.next(print));

    expect(deltas[0]).toEqual(prints[0]);
    expect(countsOf(deltas[1]!)).toEqual({ "": [187, 372, 187, 0, 2, 4, 6, 7] });
    expect(countsOf(deltas[2]!)).toEqual({ "": [183, 368, 183, 0, 2, 4, 6, 4] });
    // One sleep ended between the last interval print and the exit dump.
    expect(countsOf(deltas[3]!)).toEqual({ "": [0, 0, 1, 0, 0, 0, 0, 0] });
    expect(deltas.map((delta) => delta.series[0]!.total)).toEqual([761, 765, 750, 1]);
    // The bucket layout is the one of the print each delta comes from.
    expect(deltas[1]!.series[0]!.buckets.map((bucket) => [bucket.min, bucket.max])).toEqual(prints[1]!.series[0]!.buckets.map((bucket) => [bucket.min, bucket.max]));
  });

  it("counts a bucket or a key that appears for the first time in full", () => {
    const tracker = new HistDeltaTracker();
    tracker.next(hist("@lat", { nginx: [{ min: 4, max: 7, count: 2 }] }));
    const delta = tracker.next(
      hist("@lat", {
        nginx: [
          { min: 4, max: 7, count: 5 },
          { min: 8, max: 15, count: 1 },
        ],
        postgres: [{ min: 2, max: 3, count: 4 }],
      }),
    );
    expect(countsOf(delta)).toEqual({ nginx: [3, 1], postgres: [4] });
    expect(delta.series.map((series) => series.total)).toEqual([4, 4]);
  });

  it("matches buckets by their bounds, not by position, as bpftrace trims empty edge buckets", () => {
    const tracker = new HistDeltaTracker();
    tracker.next(hist("@h", { "": [{ min: 8, max: 15, count: 3 }] }));
    const delta = tracker.next(
      hist("@h", {
        "": [
          { min: 4, max: 7, count: 1 },
          { min: 8, max: 15, count: 3 },
        ],
      }),
    );
    expect(countsOf(delta)).toEqual({ "": [1, 0] });
  });

  it("treats a print whose counts went down as a cleared map: the print itself is the delta", () => {
    const tracker = new HistDeltaTracker();
    tracker.next(hist("@lat", { a: [{ min: 1, max: 1, count: 10 }], b: [{ min: 1, max: 1, count: 1 }] }));
    const afterClear = hist("@lat", { a: [{ min: 1, max: 1, count: 4 }], b: [{ min: 1, max: 1, count: 2 }] });
    expect(tracker.next(afterClear)).toEqual(afterClear);
  });

  it("treats a key that vanished as a cleared map", () => {
    const tracker = new HistDeltaTracker();
    tracker.next(hist("@lat", { a: [{ min: 1, max: 1, count: 1 }], b: [{ min: 1, max: 1, count: 1 }] }));
    const withoutB = hist("@lat", { a: [{ min: 1, max: 1, count: 3 }] });
    expect(tracker.next(withoutB)).toEqual(withoutB);
    // ...and subtracts from that print on the next one.
    expect(countsOf(tracker.next(hist("@lat", { a: [{ min: 1, max: 1, count: 5 }] })))).toEqual({ a: [2] });
  });

  it("keeps each map's previous print apart", () => {
    const tracker = new HistDeltaTracker();
    tracker.next(hist("@read", { "": [{ min: 1, max: 1, count: 10 }] }));
    tracker.next(hist("@write", { "": [{ min: 1, max: 1, count: 100 }] }));
    expect(countsOf(tracker.next(hist("@read", { "": [{ min: 1, max: 1, count: 12 }] })))).toEqual({ "": [2] });
    expect(countsOf(tracker.next(hist("@write", { "": [{ min: 1, max: 1, count: 150 }] })))).toEqual({ "": [50] });
  });

  it("subtracts counts beyond 2^53 exactly", () => {
    const tracker = new HistDeltaTracker();
    tracker.next(hist("@h", { "": [{ min: 0, max: 0, count: "9007199254740993" }] }));
    const delta = tracker.next({
      type: "hist",
      map: "@h",
      series: [{ key: null, buckets: [{ min: 0, max: 0, count: "18014398509481990" }], total: "18014398509481990" }],
    });
    expect(delta.series[0]).toEqual({ key: null, buckets: [{ min: 0, max: 0, count: "9007199254740997" }], total: "9007199254740997" });
  });

  it("does not change the records it is given", () => {
    const tracker = new HistDeltaTracker();
    const first = hist("@h", { "": [{ min: 1, max: 1, count: 1 }] });
    const second = hist("@h", { "": [{ min: 1, max: 1, count: 3 }] });
    const secondCopy = structuredClone(second);
    tracker.next(first);
    tracker.next(second);
    expect(second).toEqual(secondCopy);
  });
});
