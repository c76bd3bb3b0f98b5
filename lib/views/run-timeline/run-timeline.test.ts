import { describe, expect, it } from "vitest";
import { estimatePercentile } from "../../shared/histogram.ts";
import type { HistRecord } from "../../shared/bpftrace/records.ts";
import type { Frame } from "../../shared/frame.ts";
import { BucketAxes } from "./bucket-axis.ts";
import { listHistogramSeries, mergedLatestInterval, mergedTotal } from "./merge-runs.ts";
import { RunTimeline } from "./run-timeline.ts";

const record = (buckets: [number, number, number][], key: string | null = null, map = "@usecs"): HistRecord => ({
  type: "hist",
  map,
  series: [{ key, buckets: buckets.map(([min, max, count]) => ({ min, max, count })), total: buckets.reduce((s, [, , c]) => s + c, 0) }],
});

/** Cumulative prints with the deltas the agent attaches (none on the first print). */
function cumulative(runId: string, prints: { seq: number; at: number; totals: [number, number, number][]; delta?: [number, number, number][] }[]): Frame[] {
  return prints.map((print) => ({ runId, seq: print.seq, at: print.at, record: record(print.totals), ...(print.delta ? { delta: record(print.delta) } : {}) }));
}

const PRINTS = cumulative("r", [
  { seq: 2, at: 1000, totals: [[8, 15, 2]] },
  {
    seq: 3,
    at: 2000,
    totals: [
      [8, 15, 5],
      [16, 31, 1],
    ],
    delta: [
      [8, 15, 3],
      [16, 31, 1],
    ],
  },
  {
    seq: 4,
    at: 3000,
    totals: [
      [8, 15, 5],
      [16, 31, 4],
    ],
    delta: [
      [8, 15, 0],
      [16, 31, 3],
    ],
  },
]);

const counts = (axes: BucketAxes, dense: Float64Array) =>
  axes
    .of("@usecs")
    .toBuckets(dense)
    .map((b) => [b.min, Number(b.count)]);

describe("RunTimeline", () => {
  it("keeps each print's interval, and the whole run equal to bpftrace's latest running total", () => {
    const axes = new BucketAxes();
    const run = new RunTimeline("r", axes);
    for (const frame of PRINTS) run.ingest(frame);
    const series = run.series("@usecs", null)!;
    expect(series.columns.map((c) => c.total)).toEqual([2, 4, 3]);
    expect(counts(axes, series.totalUpTo(Infinity))).toEqual([
      [8, 5],
      [16, 4],
    ]);
    // As of 2.5 s: the first two prints.
    expect(counts(axes, series.totalUpTo(2500))).toEqual([
      [8, 5],
      [16, 1],
    ]);
    // Only the prints in [1.5 s, 3 s]: the second and third intervals.
    expect(counts(axes, series.totalUpTo(3000, 1500))).toEqual([
      [8, 3],
      [16, 4],
    ]);
  });

  it("gets the whole run right for a viewer that joined mid-run, and when older frames arrive later", () => {
    const axes = new BucketAxes();
    const run = new RunTimeline("r", axes);
    // Joined at the third print: its running total says 5 and 4 so far.
    run.ingest(PRINTS[2]!);
    expect(run.missesEarlyFrames).toBe(true);
    expect(counts(axes, run.series("@usecs", null)!.totalUpTo(Infinity))).toEqual([
      [8, 5],
      [16, 4],
    ]);
    // The backfill brings the earlier prints; the total stays what bpftrace printed.
    run.ingest(PRINTS[1]!);
    run.ingest(PRINTS[0]!);
    expect(counts(axes, run.series("@usecs", null)!.totalUpTo(Infinity))).toEqual([
      [8, 5],
      [16, 4],
    ]);
    expect(counts(axes, run.series("@usecs", null)!.totalUpTo(1000))).toEqual([
      [8, 2],
      [16, 0],
    ]);
  });

  it("sums the prints of a map the program clears", () => {
    const axes = new BucketAxes();
    const run = new RunTimeline("r", axes);
    run.ingest({ runId: "r", seq: 1, at: 1000, record: record([[8, 15, 2]]) });
    run.ingest({
      runId: "r",
      seq: 2,
      at: 2000,
      record: record([
        [8, 15, 1],
        [16, 31, 1],
      ]),
    });
    expect(counts(axes, run.series("@usecs", null)!.totalUpTo(Infinity))).toEqual([
      [8, 3],
      [16, 1],
    ]);
  });

  it("keeps a frame seen twice (snapshot and live) once", () => {
    const run = new RunTimeline("r", new BucketAxes());
    expect(run.ingest(PRINTS[0]!)).toBe(true);
    expect(run.ingest(PRINTS[0]!)).toBe(false);
    expect(run.frameCount).toBe(1);
    expect(run.series("@usecs", null)!.columns).toHaveLength(1);
  });

  it("adds up lost events and keeps the overhead sample in force at each moment", () => {
    const run = new RunTimeline("r", new BucketAxes());
    const overhead = (cpuPercent: number) => ({
      type: "overhead" as const,
      windowSec: 5,
      cpuPercent,
      bpfPercent: 0,
      bpftracePercent: cpuPercent,
      budgetPercent: 2,
      eventsPerSec: 10,
      programs: [],
    });
    run.ingest({ runId: "r", seq: 1, at: 1000, record: { type: "lost_events", count: 10 } });
    run.ingest({ runId: "r", seq: 2, at: 2000, record: overhead(0.5) });
    run.ingest({ runId: "r", seq: 3, at: 3000, record: { type: "lost_events", count: "5" } });
    run.ingest({ runId: "r", seq: 4, at: 4000, record: overhead(0.7) });
    expect(run.statusAt(2500)).toMatchObject({ frames: 2, lostEvents: 10, lastFrameAt: 2000 });
    expect(run.statusAt(2500).overhead?.record.cpuPercent).toBe(0.5);
    expect(run.statusAt(Infinity)).toMatchObject({ frames: 4, lostEvents: 15 });
    expect(run.statusAt(Infinity).overhead?.record.cpuPercent).toBe(0.7);
  });
});

describe("across hosts", () => {
  it("merges hosts by bucket bounds, and the merged percentiles follow from the summed buckets", () => {
    const axes = new BucketAxes();
    const a = new RunTimeline("a", axes);
    const b = new RunTimeline("b", axes);
    a.ingest({ runId: "a", seq: 1, at: 1000, record: record([[8, 15, 6]]) });
    // Host b's bpftrace trimmed a different range of empty buckets.
    b.ingest({ runId: "b", seq: 1, at: 1100, record: record([[16, 31, 2]]) });
    const merged = axes.of("@usecs").toBuckets(mergedTotal([a, b], "@usecs", null, Infinity));
    expect(merged.map((bucket) => [bucket.min, bucket.count])).toEqual([
      [8, 6],
      [16, 2],
    ]);
    // p50 of 8 samples: rank 4 in [8, 16) with 6 inside: 8 + 4/6 × 8 = 13.33...
    expect(estimatePercentile(merged, 50)).toBeCloseTo(8 + (4 / 6) * 8, 10);
    // p90: rank 7.2 in [16, 32): 16 + 1.2/2 × 16 = 25.6
    expect(estimatePercentile(merged, 90)).toBeCloseTo(25.6, 10);
  });

  it("sums each host's latest interval for the current-interval view", () => {
    const axes = new BucketAxes();
    const a = new RunTimeline("a", axes);
    for (const frame of PRINTS) a.ingest(frame);
    const b = new RunTimeline("b", axes);
    b.ingest({ runId: "b", seq: 1, at: 2900, record: record([[16, 31, 1]]) });
    const latest = axes.of("@usecs").toBuckets(mergedLatestInterval([a, b], "@usecs", null, 3000));
    expect(latest.map((bucket) => [bucket.min, bucket.count])).toEqual([
      [8, 0],
      [16, 4],
    ]);
  });

  it("lists keyed series with the busiest key first", () => {
    const run = new RunTimeline("r", new BucketAxes());
    run.ingest({
      runId: "r",
      seq: 1,
      at: 1000,
      record: {
        type: "hist",
        map: "@usecs",
        series: [
          { key: "bash", buckets: [{ min: 8, max: 15, count: 2 }], total: 2 },
          { key: "sshd", buckets: [{ min: 8, max: 15, count: 9 }], total: 9 },
        ],
      },
    });
    expect(listHistogramSeries([run], Infinity)).toEqual([
      {
        map: "@usecs",
        keys: [
          { key: "sshd", count: 9 },
          { key: "bash", count: 2 },
        ],
      },
    ]);
  });
});
