import { describe, expect, it } from "vitest";
import { buildHeatmap, estimateBinMs, heatIntensity, heatmapCell, heatmapOrigin } from "./heatmap.ts";
import { BucketAxes } from "./run-timeline/bucket-axis.ts";
import { RunTimeline } from "./run-timeline/run-timeline.ts";
import type { Frame } from "../shared/frame.ts";

const hist = (runId: string, seq: number, at: number, buckets: [number, number, number][]): Frame => ({
  runId,
  seq,
  at,
  record: { type: "hist", map: "@usecs", series: [{ key: null, buckets: buckets.map(([min, max, count]) => ({ min, max, count })), total: 0 }] },
});

describe("buildHeatmap", () => {
  it("puts each print in its own time bin and each bucket in its own row, lowest latency first", () => {
    const axes = new BucketAxes();
    const run = new RunTimeline("r", axes);
    // Prints at 1.0 s, 2.0 s and 3.0 s (each a per-interval histogram: the map is cleared).
    run.ingest(hist("r", 1, 1000, [[8, 15, 3]]));
    run.ingest(
      hist("r", 2, 2010, [
        [4, 7, 1],
        [8, 15, 2],
      ]),
    );
    run.ingest(hist("r", 3, 2995, [[16, 31, 5]]));
    const columns = run.series("@usecs", null)!.columns;
    const binMs = estimateBinMs(columns);
    expect(binMs).toBe(1000);
    const origin = heatmapOrigin([columns], binMs)!;
    expect(origin).toBe(500);
    const heatmap = buildHeatmap([columns], axes.of("@usecs"), { binMs, origin, until: 3000 });
    expect(heatmap.bins).toBe(3);
    expect(heatmap.filledBins).toBe(3);
    // Rows: [4, 8), [8, 16), [16, 32)
    expect(heatmap.rowIds.map((id) => axes.of("@usecs").buckets[id]!.min)).toEqual([4, 8, 16]);
    expect([...heatmap.cells]).toEqual([0, 3, 0, 1, 2, 0, 0, 0, 5]);
    expect(heatmap.max).toBe(5);
    expect(heatmapCell(heatmap, 1, 0)).toEqual({ from: 1500, to: 2500, bucketId: heatmap.rowIds[0], count: 1 });
  });

  it("sums hosts cell by cell and scrolls to the last `windowMs`", () => {
    const axes = new BucketAxes();
    const a = new RunTimeline("a", axes);
    const b = new RunTimeline("b", axes);
    for (let i = 1; i <= 5; i += 1) {
      a.ingest(hist("a", i, i * 1000, [[8, 15, 1]]));
      b.ingest(hist("b", i, i * 1000 + 300, [[8, 15, 2]]));
    }
    const sources = [a.series("@usecs", null)!.columns, b.series("@usecs", null)!.columns];
    const heatmap = buildHeatmap(sources, axes.of("@usecs"), { binMs: 1000, origin: 500, until: 5400, windowMs: 2000 });
    // Bins 3 and 4 (3.5..5.5 s), each holding one print of each host: 1 + 2.
    expect(heatmap.firstBin).toBe(3);
    expect(heatmap.bins).toBe(2);
    expect([...heatmap.cells]).toEqual([3, 3]);
  });

  it("moves a late-read print into the empty bin after it instead of doubling a column", () => {
    const axes = new BucketAxes();
    const run = new RunTimeline("r", axes);
    // Prints every second, but the fourth was read early: 1.0, 2.0, 3.1, 3.4, 5.0 s.
    // From origin 0.5 s the raw bins are 0, 1, 2, 2, 4: the fourth shares bin 2 with the third.
    run.ingest(hist("r", 1, 1000, [[8, 15, 1]]));
    run.ingest(hist("r", 2, 2000, [[8, 15, 1]]));
    run.ingest(hist("r", 3, 3100, [[8, 15, 1]]));
    run.ingest(hist("r", 4, 3400, [[8, 15, 1]]));
    run.ingest(hist("r", 5, 5000, [[8, 15, 1]]));
    const heatmap = buildHeatmap([run.series("@usecs", null)!.columns], axes.of("@usecs"), { binMs: 1000, origin: 500, until: 5000 });
    // Bin 3 is free and before the next print's bin 4, so the fourth moves there.
    expect([...heatmap.cells]).toEqual([1, 1, 1, 1, 1]);
    expect(heatmap.filledBins).toBe(5);
  });

  it("moves the earlier of two prints back when the later was read late, leaving no gap", () => {
    const axes = new BucketAxes();
    const run = new RunTimeline("r", axes);
    // 1.0, 2.6 (read 0.6 s late), 3.0, 4.0 s: raw bins 0, 2, 2, 3 with bin 1 empty.
    for (const [seq, at] of [
      [1, 1000],
      [2, 2600],
      [3, 3000],
      [4, 4000],
    ] as const)
      run.ingest(hist("r", seq, at, [[8, 15, seq]]));
    const heatmap = buildHeatmap([run.series("@usecs", null)!.columns], axes.of("@usecs"), { binMs: 1000, origin: 500, until: 4000 });
    expect([...heatmap.cells]).toEqual([1, 2, 3, 4]);
  });

  it("leaves out prints after the moment shown", () => {
    const axes = new BucketAxes();
    const run = new RunTimeline("r", axes);
    run.ingest(hist("r", 1, 1000, [[8, 15, 1]]));
    run.ingest(hist("r", 2, 2000, [[8, 15, 1]]));
    const heatmap = buildHeatmap([run.series("@usecs", null)!.columns], axes.of("@usecs"), { binMs: 1000, origin: 500, until: 1200 });
    expect(heatmap.filledBins).toBe(1);
  });
});

describe("heatIntensity", () => {
  it("scales by the square root and keeps single events visible", () => {
    expect(heatIntensity(0, 100)).toBe(0);
    expect(heatIntensity(25, 100)).toBe(0.5);
    expect(heatIntensity(1, 1_000_000)).toBe(0.08);
    expect(heatIntensity(100, 100)).toBe(1);
  });
});
