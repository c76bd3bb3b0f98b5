import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { estimatePercentile } from "@/lib/shared/histogram.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { AHEAD_BINS, MAX_WINDOW_BINS } from "./fleet-heatmap.ts";
import { ALL_KEYS } from "../view-model.ts";
import { FleetStore, MAX_KEY_HEATMAPS, MAX_KEYS_PER_PRINT, MAX_MAPS_PER_HOST } from "./fleet-store.ts";
import { countHosts, describeFleet, hostState, hostTable, mergedHistogram, PAGE_SIZE, type FleetSelection } from "./fleet-model.ts";

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const clock = { now: T0 };

const snapshot = (id: string, overrides: Partial<RunSnapshotWithOrigin> = {}): RunSnapshotWithOrigin =>
  ({
    id,
    hostName: `host-${id}`,
    status: "RUNNING",
    startedAt: new Date(T0 - 60_000).toISOString(),
    endReason: null,
    stopRequestedAt: null,
    lastSeq: 0,
    origin: { kind: "live", batchId: "b" },
    ...overrides,
  }) as RunSnapshotWithOrigin;

/** log2 buckets 1, 2-3, 4-7, ... with these counts (a zero count is still printed, as bpftrace does inside the range). */
const buckets = (counts: number[]) => counts.map((count, i) => ({ min: 2 ** i, max: 2 ** (i + 1) - 1, count }));
const histRecord = (map: string, series: { key: string | null; counts: number[] }[]) => ({
  type: "hist" as const,
  map,
  series: series.map(({ key, counts }) => ({ key, buckets: buckets(counts), total: counts.reduce((a, b) => a + b, 0) })),
});
const hist = (runId: string, seq: number, at: number, counts: number[], delta?: number[], map = "@usecs") => ({
  runId,
  seq,
  at,
  record: histRecord(map, [{ key: null, counts }]),
  ...(delta ? { delta: histRecord(map, [{ key: null, counts: delta }]) } : {}),
});
const overhead = (runId: string, seq: number, at: number, cpuPercent: number) => ({
  runId,
  seq,
  at,
  record: { type: "overhead", windowSec: 2, cpuPercent, bpfPercent: cpuPercent, bpftracePercent: 0, budgetPercent: 5, eventsPerSec: 10, programs: [] },
});

const stores: FleetStore[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  stores.splice(0).forEach((store) => store.dispose());
  vi.useRealTimers();
  clock.now = T0;
});
const newStore = (snapshots: RunSnapshotWithOrigin[]) => {
  const store = new FleetStore(snapshots, { now: () => clock.now });
  stores.push(store);
  return store;
};
/** What the page reads once the store has told it (frames are told within 200 ms). */
const view = (store: FleetStore) => {
  vi.advanceTimersByTime(200);
  return store.getView();
};
const whole: FleetSelection = { map: "@usecs", key: null, mode: "whole", unit: "auto" };
const counts = (histogram: { buckets: { count: number | string }[] }) => histogram.buckets.map((bucket) => Number(bucket.count));

describe("FleetStore: merging hosts", () => {
  it("sums each host's latest running total for the whole run, and each host's latest interval for the last one", () => {
    const store = newStore([snapshot("a"), snapshot("b"), snapshot("c")]);
    store.ingest([hist("a", 1, T0 - 2000, [5, 1]), hist("a", 2, T0 - 1000, [9, 3], [4, 2]), hist("b", 1, T0 - 1000, [1, 0, 7])], "live");
    // c printed a map nobody else did; it is not part of @usecs.
    store.ingest([hist("c", 1, T0 - 1000, [100], undefined, "@other")], "live");
    const v = view(store);
    // Buckets are matched by bounds: a's two buckets and b's three add up.
    expect(counts(mergedHistogram(v, whole, clock.now))).toEqual([10, 3, 7]);
    expect(mergedHistogram(v, whole, clock.now).hosts).toBe(2);
    // a's interval is its delta; b's first print is its own interval.
    expect(counts(mergedHistogram(v, { ...whole, mode: "interval" }, clock.now))).toEqual([5, 2, 7]);
  });

  it("leaves a host whose latest print is stale out of the last interval, but keeps it in the whole run", () => {
    const store = newStore([snapshot("a"), snapshot("b")]);
    store.ingest([hist("a", 1, T0, [4]), hist("b", 1, T0, [6])], "live");
    clock.now = T0 + 1000;
    store.ingest([hist("a", 2, T0 + 1000, [5], [1])], "live");
    clock.now = T0 + 6000;
    store.ingest([hist("a", 3, T0 + 6000, [7], [2])], "live");
    const v = view(store);
    expect(counts(mergedHistogram(v, { ...whole, mode: "interval" }, clock.now))).toEqual([2]);
    expect(counts(mergedHistogram(v, whole, clock.now))).toEqual([13]);
  });

  it("keeps keyed maps by key and sums every key for all keys; a key absent from the delta had an empty interval", () => {
    const store = newStore([snapshot("a"), snapshot("b")]);
    const keyed = (runId: string, seq: number, series: { key: string; counts: number[] }[], delta?: { key: string; counts: number[] }[]) => ({
      runId,
      seq,
      at: T0,
      record: histRecord("@by_comm", series),
      ...(delta ? { delta: histRecord("@by_comm", delta) } : {}),
    });
    store.ingest(
      [
        keyed(
          "a",
          1,
          [
            { key: "bash", counts: [3] },
            { key: "sshd", counts: [0, 2] },
          ],
          [{ key: "bash", counts: [1] }],
        ),
        keyed("b", 1, [{ key: "bash", counts: [4] }]),
      ],
      "live",
    );
    const v = view(store);
    const selection: FleetSelection = { map: "@by_comm", key: ALL_KEYS, mode: "whole", unit: "auto" };
    expect(counts(mergedHistogram(v, selection, clock.now))).toEqual([7, 2]);
    expect(counts(mergedHistogram(v, { ...selection, key: "bash" }, clock.now))).toEqual([7, 0]);
    expect(counts(mergedHistogram(v, { ...selection, key: "sshd", mode: "interval" }, clock.now))).toEqual([0, 0]);
    expect(counts(mergedHistogram(v, { ...selection, mode: "interval" }, clock.now))).toEqual([5, 0]);
  });

  it("takes a print that arrives late into the heatmap but never lets it replace a newer one", () => {
    const store = newStore([snapshot("a")]);
    store.ingest([hist("a", 2, T0, [9])], "live");
    store.ingest([hist("a", 1, T0 - 1000, [4])], "snapshot");
    const v = view(store);
    expect(counts(mergedHistogram(v, whole, clock.now))).toEqual([9]);
    expect(store.heatmap("@usecs", ALL_KEYS)!.build(v.axes.of("@usecs"), clock.now, 60).filledBins).toBe(2);
  });

  it("counts a frame delivered twice (the watch snapshot overlapping the live stream) once", () => {
    const store = newStore([snapshot("a")]);
    store.ingest([hist("a", 1, T0, [3])], "live");
    store.ingest([hist("a", 1, T0, [3]), hist("a", 1, T0, [3])], "snapshot");
    const v = view(store);
    const heatmap = store.heatmap("@usecs", ALL_KEYS)!.build(v.axes.of("@usecs"), clock.now, 60);
    expect(heatmap.max).toBe(3);
  });
});

describe("FleetStore: refusing what it cannot read", () => {
  it("leaves out malformed frames and frames of other runs, counts them, and folds in the rest", () => {
    const store = newStore([snapshot("a")]);
    store.ingest(
      [
        hist("a", 1, T0, [1]),
        { runId: "a", seq: 2, at: T0, record: { type: "hist", map: "@usecs" } },
        { runId: "a", seq: 3, at: T0, record: { type: "overhead", cpuPercent: "high" } },
        { runId: "a", seq: 4, at: T0, record: histRecord("@usecs", [{ key: null, counts: [1] }]), delta: histRecord("@other", [{ key: null, counts: [1] }]) },
        { runId: "a", seq: -1, at: T0, record: { type: "printf", text: "x" } },
        "not a frame",
        null,
        hist("zzz", 1, T0, [50]),
        hist("a", 5, T0, [2]),
      ],
      "live",
    );
    const v = view(store);
    expect(v.rejectedFrames).toBe(7);
    expect(counts(mergedHistogram(v, whole, clock.now))).toEqual([2]);
  });
});

describe("FleetStore: reporting, silent, starting, queued, ended", () => {
  it("classifies hosts by when they were last heard from, on the browser's clock for live frames", () => {
    const store = newStore([
      snapshot("live"),
      snapshot("quiet"),
      snapshot("new", { startedAt: new Date(T0 - 3000).toISOString() }),
      snapshot("mute", { startedAt: new Date(T0 - 11_000).toISOString() }),
      snapshot("queued", { status: "QUEUED", startedAt: null }),
      snapshot("done", { status: "ENDED", endReason: "COMPLETED" }),
      snapshot("broke", { status: "ENDED", endReason: "FAILED" }),
      snapshot("done2", { status: "ENDED", endReason: "COMPLETED" }),
    ]);
    // An agent clock an hour behind does not matter for a live frame: it arrived now.
    store.ingest([hist("live", 1, T0 - 3_600_000, [1]), overhead("quiet", 1, T0, 1)], "live");
    clock.now = T0 + 4000;
    store.ingest([overhead("live", 2, T0 + 4000, 1)], "live");
    clock.now = T0 + 5500;
    const v = view(store);
    const state = (id: string) => hostState(store.get(id)!, clock.now);
    expect(state("live")).toBe("reporting");
    expect(state("quiet")).toBe("silent");
    expect(state("new")).toBe("starting");
    expect(state("mute")).toBe("silent");
    expect(state("queued")).toBe("queued");
    expect(state("done")).toBe("ended");
    const fleet = countHosts(v.hosts, clock.now);
    expect(fleet).toMatchObject({ total: 8, reporting: 1, starting: 1, silent: 2, queued: 1, ended: 3 });
    expect(fleet.endedBy).toEqual([
      { reason: "COMPLETED", count: 2 },
      { reason: "FAILED", count: 1 },
    ]);
    expect(describeFleet(fleet)).toEqual({
      tone: "bad",
      text: "1 of 4 hosts running are reporting; 2 silent; 1 starting; 1 not started yet; 3 hosts ended (2 completed, 1 failed).",
    });
    // "starting" turns "silent" once the grace is over.
    expect(hostState(store.get("new")!, T0 + 8000)).toBe("silent");
  });

  it("does not take a snapshot's old frames as a sign of life: they count when the agent read them", () => {
    const store = newStore([snapshot("a"), snapshot("b")]);
    store.ingest([hist("a", 7, T0 - 60_000, [1]), hist("b", 3, T0 - 1000, [1])], "snapshot");
    expect(hostState(store.get("a")!, clock.now)).toBe("silent");
    expect(hostState(store.get("b")!, clock.now)).toBe("reporting");
    // A frame stamped in the future (an agent clock ahead) counts as now, never later.
    store.ingest([hist("a", 8, T0 + 60_000, [1])], "snapshot");
    expect(store.get("a")!.lastHeardAt).toBe(T0);
  });

  it("keeps a run ended when the watch's answer, read before the run ended, arrives after the push that said so", () => {
    const store = newStore([snapshot("a", { lastSeq: 5 })]);
    store.setSnapshot(snapshot("a", { status: "ENDED", endReason: "STOPPED", stopRequestedAt: new Date(T0).toISOString(), lastSeq: 7 }));
    store.setSnapshot(snapshot("a", { status: "RUNNING", lastSeq: 6 }));
    expect(hostState(store.get("a")!, clock.now)).toBe("ended");
    expect(countHosts(view(store).hosts, clock.now).endedBy).toEqual([{ reason: "STOPPED", count: 1 }]);
  });

  it("says how the batch is doing when everything is queued, or everything ended", () => {
    const queued = newStore([snapshot("a", { status: "QUEUED" }), snapshot("b", { status: "QUEUED" })]);
    expect(describeFleet(countHosts(view(queued).hosts, clock.now))).toEqual({ tone: "ok", text: "Signed; waiting for the agents of 2 hosts." });
    const ended = newStore([snapshot("a", { status: "ENDED", endReason: "DURATION_LIMIT" })]);
    expect(describeFleet(countHosts(view(ended).hosts, clock.now))).toEqual({ tone: "ok", text: "Ended on all 1 host: 1 at the duration limit." });
  });
});

describe("FleetStore: the merged heatmap", () => {
  it("adds every host's interval into the one-second bin of when its agent read it", () => {
    const store = newStore([snapshot("a"), snapshot("b")]);
    clock.now = T0 + 2500;
    store.ingest(
      [
        hist("a", 1, T0 + 100, [2]),
        hist("b", 1, T0 + 900, [3]),
        hist("a", 2, T0 + 1100, [2, 4], [0, 4]),
        // Far behind the window, and far ahead of the browser's clock: not kept.
        hist("b", 2, T0 - (MAX_WINDOW_BINS + 5) * 1000, [9]),
        hist("b", 3, T0 + (AHEAD_BINS + 10) * 1000, [9]),
      ],
      "live",
    );
    const v = view(store);
    const heatmap = store.heatmap("@usecs", ALL_KEYS)!.build(v.axes.of("@usecs"), clock.now, 60);
    expect(heatmap.bins).toBe(60);
    expect(heatmap.binMs).toBe(1000);
    expect(heatmap.filledBins).toBe(2);
    const rows = heatmap.rowIds.length;
    const cell = (secondsAgo: number, row: number) => heatmap.cells[(heatmap.bins - 1 - secondsAgo) * rows + row];
    // Bins: T0+2s (now, empty), T0+1s (a's delta), T0 (a and b summed).
    expect([cell(1, 0), cell(1, 1)]).toEqual([0, 4]);
    expect([cell(2, 0), cell(2, 1)]).toEqual([5, 0]);
    expect(heatmap.max).toBe(5);
  });

  it("scrolls: bins older than the window drop out as the clock moves", () => {
    const store = newStore([snapshot("a")]);
    store.ingest([hist("a", 1, T0, [1])], "live");
    const heatmap = store.heatmap("@usecs", ALL_KEYS)!;
    const axis = view(store).axes.of("@usecs");
    expect(heatmap.build(axis, T0 + 59_000, 60).filledBins).toBe(1);
    expect(heatmap.build(axis, T0 + 61_000, 60).filledBins).toBe(0);
    expect(heatmap.build(axis, T0 + 61_000, 900).filledBins).toBe(1);
  });
});

describe("FleetStore: bounded memory", () => {
  it("holds at most the window of heatmap bins, one print per map and a bounded number of maps, keys and key heatmaps, however long it runs", () => {
    const store = newStore(Array.from({ length: 20 }, (_, i) => snapshot(`h${i}`)));
    const keys = Array.from({ length: 40 }, (_, k) => ({ key: `comm${k}`, counts: [k + 1] }));
    // An hour at 1 Hz (four windows): each host prints a 40-key map, and 12 maps in turn.
    for (let second = 0; second < 3600; second += 1) {
      clock.now = T0 + second * 1000;
      const frames = Array.from({ length: 20 }, (_, i) => ({
        runId: `h${i}`,
        seq: second + 1,
        at: clock.now,
        record: histRecord(`@map${second % 12}`, second % 12 === 0 ? keys : [{ key: null, counts: [1, 2] }]),
      }));
      store.ingest(frames, "live");
    }
    const v = view(store);
    for (const host of v.hosts) {
      expect(host.prints.size).toBe(MAX_MAPS_PER_HOST);
      for (const print of host.prints.values()) expect(print.keys.size).toBeLessThanOrEqual(MAX_KEYS_PER_PRINT);
    }
    const keyed = host0Print(store);
    expect(keyed.keysLeftOut).toBe(40 - MAX_KEYS_PER_PRINT);
    // The busiest keys are the ones kept, and "all keys" still sums all 40.
    expect([...keyed.keys.keys()][0]).toBe("comm39");
    expect(Array.from(keyed.all.record.counts).reduce((a, b) => a + b, 0)).toBe((40 * 41) / 2);
    expect(store.heatmap("@map0", ALL_KEYS)!.heldBins(clock.now)).toBeLessThanOrEqual(MAX_WINDOW_BINS);
    expect(store.heatmap("@map1", ALL_KEYS)!.heldBins(clock.now)).toBe(MAX_WINDOW_BINS / 12);
    const keyHeatmaps = keys.filter(({ key }) => store.heatmap("@map0", key) !== null).length;
    expect(keyHeatmaps).toBe(MAX_KEYS_PER_PRINT);
    expect(keyHeatmaps).toBeLessThanOrEqual(MAX_KEY_HEATMAPS);
  });
});

function host0Print(store: FleetStore) {
  return store.get("h0")!.prints.get("@map0")!;
}

describe("the host table", () => {
  const fleetOf = (n: number) => {
    const store = newStore(Array.from({ length: n }, (_, i) => snapshot(`r${String(i).padStart(3, "0")}`, { hostName: `node-${String(i).padStart(3, "0")}` })));
    store.ingest(
      Array.from({ length: n }, (_, i) => [
        hist(`r${String(i).padStart(3, "0")}`, 1, T0, i % 2 ? [0, 0, 0, 10] : [10]),
        overhead(`r${String(i).padStart(3, "0")}`, 2, T0, i / 10),
      ]).flat(),
      "live",
    );
    return store;
  };

  it("pages 50 hosts at a time, in host order by default", () => {
    const store = fleetOf(120);
    const v = view(store);
    const first = hostTable(v, whole, clock.now, { sort: "name", filter: "all", page: 0 });
    expect(first).toMatchObject({ matching: 120, page: 0, pages: 3 });
    expect(first.rows).toHaveLength(PAGE_SIZE);
    expect(first.rows[0]!.host.snapshot.hostName).toBe("node-000");
    const last = hostTable(v, whole, clock.now, { sort: "name", filter: "all", page: 7 });
    expect(last.page).toBe(2);
    expect(last.rows.map((row) => row.host.snapshot.hostName)).toEqual(Array.from({ length: 20 }, (_, i) => `node-${100 + i}`));
  });

  it("sorts by the p99 of each host's latest print, by CPU overhead, and by silence, and filters by state", () => {
    const store = fleetOf(60);
    clock.now = T0 + 3000;
    store.ingest([overhead("r007", 3, T0 + 3000, 0.1)], "live");
    const v = view(store);
    const byP99 = hostTable(v, whole, clock.now, { sort: "p99", filter: "all", page: 0 });
    const slow = estimatePercentile(buckets([0, 0, 0, 10]), 99);
    expect(byP99.rows[0]!.p99).toBe(slow);
    expect(byP99.rows.slice(0, 30).every((row) => row.p99 === slow)).toBe(true);
    expect(hostTable(v, whole, clock.now, { sort: "overhead", filter: "all", page: 0 }).rows[0]!.host.snapshot.hostName).toBe("node-059");
    clock.now = T0 + 6000;
    // All silent for 6 s but node-007, heard 3 s ago: it comes last, on the second page.
    expect(hostTable(v, whole, clock.now, { sort: "silence", filter: "all", page: 0 }).rows[0]!.host.snapshot.hostName).toBe("node-000");
    const bySilence = hostTable(v, whole, clock.now, { sort: "silence", filter: "all", page: 1 });
    expect(bySilence.rows.at(-1)!.host.snapshot.hostName).toBe("node-007");
    const silent = hostTable(v, whole, clock.now, { sort: "name", filter: "silent", page: 0 });
    expect(silent.matching).toBe(59);
    expect(hostTable(v, whole, clock.now, { sort: "name", filter: "reporting", page: 0 }).rows.map((row) => row.host.snapshot.hostName)).toEqual(["node-007"]);
  });
});

describe("FleetStore: re-rendering", () => {
  it("tells the page about frames at most every 200 ms, and about state changes at once", () => {
    const store = newStore([snapshot("a")]);
    let told = 0;
    store.subscribe(() => told++);
    for (let seq = 1; seq <= 50; seq += 1) store.ingest([hist("a", seq, T0, [seq])], "live");
    expect(told).toBe(0);
    vi.advanceTimersByTime(200);
    expect(told).toBe(1);
    const before = store.getView();
    store.setSnapshot(snapshot("a", { status: "ENDED", endReason: "STOPPED" }));
    expect(told).toBe(2);
    expect(store.getView()).not.toBe(before);
    expect(store.getView().hosts[0]!.snapshot.status).toBe("ENDED");
  });
});
