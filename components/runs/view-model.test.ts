import { describe, expect, it } from "vitest";
import type { Frame } from "@/lib/shared/frame.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { BucketAxes } from "@/lib/views/run-timeline/bucket-axis.ts";
import { RunTimeline } from "@/lib/views/run-timeline/run-timeline.ts";
import { ALL_KEYS, histogramAt, hostStatus, resolveSelection, seriesOptions, type Selection } from "./view-model.ts";

const T0 = Date.UTC(2026, 0, 1);
const hist = (runId: string, seq: number, at: number, series: [string | null, number][]): Frame => ({
  runId,
  seq,
  at: T0 + at,
  record: { type: "hist", map: "@usecs", series: series.map(([key, count]) => ({ key, buckets: [{ min: 8, max: 15, count }], total: count })) },
});
const snapshot = (id: string, extra: Partial<RunSnapshotWithOrigin> = {}): RunSnapshotWithOrigin => ({
  id,
  hostName: id,
  programId: "p",
  programName: "p",
  revisionNumber: 1,
  status: "RUNNING",
  endReason: null,
  endDetail: null,
  durationSec: 60,
  createdAt: new Date(T0).toISOString(),
  startedAt: new Date(T0).toISOString(),
  endedAt: null,
  expiresAt: new Date(T0 + 3_600_000).toISOString(),
  stopRequestedAt: null,
  stopRequestedBy: null,
  lastSeq: 0,
  framesPrunedAt: null,
  origin: { kind: "live", batchId: "b" },
  ...extra,
});
const WHOLE: Selection = { map: "@usecs", key: null, mode: "whole", unit: "auto" };
const total = (buckets: { count: number | string }[]) => buckets.reduce((s, b) => s + Number(b.count), 0);

describe("hostStatus", () => {
  it("marks a running host that sent nothing for three intervals (at least 5 s) as not reporting, and says how long is left", () => {
    const run = new RunTimeline("a", new BucketAxes());
    run.ingest(hist("a", 1, 1000, [[null, 1]]));
    expect(hostStatus(snapshot("a"), run, Infinity, T0 + 5900, 1000)).toMatchObject({ notReporting: false, secondsLeft: 54 });
    expect(hostStatus(snapshot("a"), run, Infinity, T0 + 6100, 1000)).toMatchObject({ notReporting: true });
    // Not for an ended run, a replay, or a moment in the past (a replayed or paused view).
    expect(hostStatus(snapshot("a", { status: "ENDED" }), run, Infinity, T0 + 60_000, 1000).notReporting).toBe(false);
    expect(hostStatus(snapshot("a", { origin: { kind: "replay", name: "r", uploadedBy: "u", sourceHost: null } }), run, Infinity, T0 + 60_000, 1000)).toMatchObject({
      notReporting: false,
      secondsLeft: null,
    });
    expect(hostStatus(snapshot("a"), run, T0 + 1000, T0 + 60_000, 1000).notReporting).toBe(false);
  });

  it("marks a run that started 10 s ago and sent nothing", () => {
    const run = new RunTimeline("a", new BucketAxes());
    expect(hostStatus(snapshot("a"), run, Infinity, T0 + 9_000, 1000).notReporting).toBe(false);
    expect(hostStatus(snapshot("a"), run, Infinity, T0 + 11_000, 1000).notReporting).toBe(true);
  });
});

describe("histogramAt", () => {
  it("keeps a silent host in the whole run, and out of the current interval", () => {
    const axes = new BucketAxes();
    const live = new RunTimeline("live", axes);
    const silent = new RunTimeline("silent", axes);
    for (let s = 1; s <= 10; s += 1) live.ingest(hist("live", s, s * 1000, [[null, 2]]));
    silent.ingest(hist("silent", 1, 1000, [[null, 5]]));
    expect(total(histogramAt([live, silent], axes, WHOLE, Infinity, 1000))).toBe(25);
    // The current interval: live's last print (2); silent's is 9 s old.
    expect(total(histogramAt([live, silent], axes, { ...WHOLE, mode: "interval" }, Infinity, 1000))).toBe(2);
    // As of 1.5 s both printed within the last interval.
    expect(total(histogramAt([live, silent], axes, { ...WHOLE, mode: "interval" }, T0 + 1500, 1000))).toBe(7);
  });

  it("sums every key of a keyed map, or shows one", () => {
    const axes = new BucketAxes();
    const run = new RunTimeline("r", axes);
    run.ingest(
      hist("r", 1, 1000, [
        ["bash", 2],
        ["sshd", 9],
      ]),
    );
    const options = seriesOptions([run], Infinity);
    const all = resolveSelection({ ...WHOLE, map: null, key: "nonexistent" }, options);
    expect(all).toMatchObject({ map: "@usecs", key: ALL_KEYS });
    expect(total(histogramAt([run], axes, all, Infinity, 1000))).toBe(11);
    expect(total(histogramAt([run], axes, { ...all, key: "bash" }, Infinity, 1000))).toBe(2);
  });
});
