import { describe, expect, it } from "vitest";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import { LiveHistograms, type RunLabels } from "./live-histograms.ts";

const LABELS: RunLabels = { run: "r1", host: "db-1", program: "sleep latency", source: "live" };
const hist = (buckets: [number, number, number][]): HistRecord => ({
  type: "hist",
  map: "@usecs",
  series: [{ key: null, buckets: buckets.map(([min, max, count]) => ({ min, max, count })), total: 0 }],
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const counts = (store: LiveHistograms) => [...store.series()].map((s) => s.buckets.map((b) => [b.min, b.count]));

describe("LiveHistograms", () => {
  it("adds each interval, so the counters only grow, and equal bpftrace's running total", async () => {
    const store = new LiveHistograms(async () => LABELS);
    const frames: Frame[] = [
      { runId: "r1", seq: 1, at: 1, record: hist([[8, 15, 2]]) },
      {
        runId: "r1",
        seq: 2,
        at: 2,
        record: hist([
          [8, 15, 5],
          [16, 31, 1],
        ]),
        delta: hist([
          [8, 15, 3],
          [16, 31, 1],
        ]),
      },
    ];
    store.record("r1", frames);
    await settle();
    expect(counts(store)).toEqual([
      [
        [8, "5"],
        [16, "1"],
      ],
    ]);
    expect([...store.series()][0]).toMatchObject({ labels: LABELS, map: "@usecs", key: null, unit: "us" });
  });

  it("starts from the printed running total when it first sees a run mid-way (a server restart)", async () => {
    const store = new LiveHistograms(async () => LABELS);
    store.record("r1", [{ runId: "r1", seq: 9, at: 9, record: hist([[8, 15, 40]]), delta: hist([[8, 15, 1]]) }]);
    store.record("r1", [{ runId: "r1", seq: 10, at: 10, record: hist([[8, 15, 42]]), delta: hist([[8, 15, 2]]) }]);
    await settle();
    expect(counts(store)).toEqual([[[8, "42"]]]);
  });

  it("sums the prints of a map the program clears, and drops a run when it ends or cannot be resolved", async () => {
    const store = new LiveHistograms(async (runId) => (runId === "gone" ? null : LABELS));
    store.record("r1", [{ runId: "r1", seq: 1, at: 1, record: hist([[8, 15, 2]]) }]);
    store.record("r1", [{ runId: "r1", seq: 2, at: 2, record: hist([[8, 15, 3]]) }]);
    store.record("gone", [{ runId: "gone", seq: 1, at: 1, record: hist([[8, 15, 2]]) }]);
    await settle();
    expect(counts(store)).toEqual([[[8, "5"]]]);
    store.forget("r1");
    expect(store.runCount).toBe(0);
  });
});
