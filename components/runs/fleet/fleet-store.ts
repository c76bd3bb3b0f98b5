// What the fleet view keeps of a batch of many hosts (the runs one approval
// signed), built for 2,000 hosts each sending a histogram a second. Per run
// only: its snapshot, when it was last heard from, its latest print of each
// histogram map (the cumulative `record` and the per-interval `delta ?? record`,
// by key), and its latest overhead sample. Across runs: one merged heatmap per
// series over the last 15 minutes (fleet-heatmap.ts). No per-host history is
// kept, so memory does not grow with time, and nothing here is per-host drawing.
//
// "Heard from": a frame that arrives live counts at the browser's clock when it
// arrives; a frame from the watch snapshot (the latest few of each run, read
// from the database) counts at the agent's clock when it was read (never later
// than now), so a host silent for an hour is not "reporting" because the page
// just loaded its old frames.
//
// Like workspace-store.ts it lives outside React: frames are folded in as they
// come and the page re-renders at most every RENDER_INTERVAL_MS, reading one
// FleetView object per notification.
import { frameSchema, type Frame } from "@/lib/shared/frame.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { BucketAxes } from "@/lib/views/run-timeline/bucket-axis.ts";
import { sparseOf, sparseTotal, type SparseCounts } from "@/lib/views/run-timeline/sparse-counts.ts";
import { isNotBehind } from "../snapshot-order.ts";
import { ALL_KEYS } from "../view-model.ts";
import { FleetHeatmap } from "./fleet-heatmap.ts";

const RENDER_INTERVAL_MS = 200;
/** Histogram maps kept per host; a program printing more is not what a fleet view is for. */
export const MAX_MAPS_PER_HOST = 8;
/** Keys kept per print (its busiest); "all keys" always sums every key of the print. */
export const MAX_KEYS_PER_PRINT = 16;
/** Heatmaps of single keys kept over the fleet, besides each map's all-keys heatmap. */
export const MAX_KEY_HEATMAPS = 24;
/** Seqs remembered per run to drop a frame delivered twice (the watch snapshot overlaps the live stream). */
const RECENT_SEQS = 256;

/** One series of a print: the running total as printed, and what happened in its interval. */
export type PrintedSeries = { record: SparseCounts; interval: SparseCounts };
export type FleetPrint = {
  seq: number;
  /** When the agent read it (ms, agent's clock). */
  at: number;
  /** When it was heard from (see the top of this file). */
  heardAt: number;
  /** The typical time between this map's prints on this host, from the two latest; null after one print. */
  intervalMs: number | null;
  all: PrintedSeries;
  keys: Map<string | null, PrintedSeries>;
  /** Keys of the print not kept individually (past MAX_KEYS_PER_PRINT); they are in `all`. */
  keysLeftOut: number;
};
export type FleetOverhead = { seq: number; cpuPercent: number; budgetPercent: number };

export type FleetHost = {
  snapshot: RunSnapshotWithOrigin;
  /** When the host was last heard from, or null before any frame. */
  lastHeardAt: number | null;
  highestSeq: number;
  prints: Map<string, FleetPrint>;
  overhead: FleetOverhead | null;
};

/** What the page renders from, as of the latest notification. */
export type FleetView = {
  version: number;
  hosts: readonly FleetHost[];
  axes: BucketAxes;
  /** Maps with prints, in the order first seen. */
  maps: readonly string[];
  /** The merged heatmap of a map (or one key of it, or ALL_KEYS), or null when none is kept for it. */
  heatmapOf: (map: string, key: string | null) => FleetHeatmap | null;
  rejectedFrames: number;
};

const heatmapKey = (map: string, key: string | null) => `${map}\u0000${key === ALL_KEYS ? "*" : key === null ? "-" : `=${key}`}`;

export class FleetStore {
  readonly axes = new BucketAxes();
  readonly #hosts: FleetHost[];
  readonly #byId = new Map<string, FleetHost>();
  readonly #recent = new Map<string, Set<number>>();
  readonly #heatmaps = new Map<string, FleetHeatmap>();
  readonly #maps: string[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #now: () => number;
  #keyHeatmaps = 0;
  #version = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #view: FleetView;
  /** Frames that did not have the shape of docs/frames.md, or belong to no run of the batch; left out. */
  rejectedFrames = 0;

  constructor(snapshots: readonly RunSnapshotWithOrigin[], options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#hosts = snapshots.map((snapshot) => ({ snapshot, lastHeardAt: null, highestSeq: 0, prints: new Map(), overhead: null }));
    for (const host of this.#hosts) this.#byId.set(host.snapshot.id, host);
    this.#view = this.#makeView();
  }

  get(runId: string): FleetHost | undefined {
    return this.#byId.get(runId);
  }

  /** Frames of any runs of the batch; `source` says whether they arrived live or came with the watch snapshot. */
  ingest(frames: readonly unknown[], source: "live" | "snapshot"): void {
    const now = this.#now();
    let changed = false;
    for (const candidate of frames) {
      // The server validated them; the browser still refuses what it cannot read rather than stop rendering.
      const parsed = frameSchema.safeParse(candidate);
      const host = parsed.success ? this.#byId.get(parsed.data.runId) : undefined;
      if (!parsed.success || !host) {
        this.rejectedFrames += 1;
        continue;
      }
      if (this.#seen(host, parsed.data.seq)) continue;
      const heardAt = source === "live" ? now : Math.min(parsed.data.at, now);
      host.lastHeardAt = Math.max(host.lastHeardAt ?? heardAt, heardAt);
      host.highestSeq = Math.max(host.highestSeq, parsed.data.seq);
      this.#fold(host, parsed.data, heardAt, now);
      changed = true;
    }
    if (changed) this.#changed();
  }

  /** A newer state of a run (started, asked to stop, ended); shown at once. An older one (a late watch answer) is ignored. */
  setSnapshot(snapshot: RunSnapshotWithOrigin): void {
    const host = this.#byId.get(snapshot.id);
    if (!host || !isNotBehind(snapshot, host.snapshot)) return;
    host.snapshot = snapshot;
    this.#changed(true);
  }

  /** The merged heatmap of a map (or one key of it), or null when none is kept for it. */
  heatmap(map: string, key: string | null): FleetHeatmap | null {
    return this.#heatmaps.get(heatmapKey(map, key)) ?? null;
  }

  #seen(host: FleetHost, seq: number): boolean {
    let recent = this.#recent.get(host.snapshot.id);
    if (!recent) this.#recent.set(host.snapshot.id, (recent = new Set()));
    // Older than anything remembered: it was either seen or is too old to matter for "latest".
    if (recent.has(seq) || seq <= host.highestSeq - RECENT_SEQS) return true;
    recent.add(seq);
    if (recent.size > RECENT_SEQS) recent.delete(recent.values().next().value!);
    return false;
  }

  #fold(host: FleetHost, frame: Frame, heardAt: number, now: number): void {
    const { record } = frame;
    if (record.type === "overhead") {
      if (!host.overhead || frame.seq > host.overhead.seq) host.overhead = { seq: frame.seq, cpuPercent: record.cpuPercent, budgetPercent: record.budgetPercent };
      return;
    }
    if (record.type !== "hist") return;
    const previous = host.prints.get(record.map);
    if (!previous && host.prints.size >= MAX_MAPS_PER_HOST) return;
    if (!this.#maps.includes(record.map)) this.#maps.push(record.map);
    const print = this.#printOf(frame.seq, frame.at, heardAt, record, frame.delta);
    // The heatmap takes every interval, in any order; "latest" only a newer print.
    this.#heatmapFor(record.map, ALL_KEYS, true)?.add(frame.at, print.all.interval, now);
    for (const [key, series] of print.keys) this.#heatmapFor(record.map, key, false)?.add(frame.at, series.interval, now);
    if (previous && previous.seq > frame.seq) return;
    if (previous) print.intervalMs = frame.at > previous.at ? frame.at - previous.at : previous.intervalMs;
    host.prints.set(record.map, print);
  }

  #printOf(seq: number, at: number, heardAt: number, record: HistRecord, delta: HistRecord | undefined): FleetPrint {
    const axis = this.axes.of(record.map);
    const deltaByKey = new Map(delta?.series.map((series) => [series.key, series.buckets]));
    const all = { record: new Map<number, number>(), interval: new Map<number, number>() };
    const printed: { key: string | null; series: PrintedSeries; total: number }[] = [];
    for (const series of record.series) {
      const recordCounts = sparseOf(series.buckets, axis);
      // A key absent from the delta had nothing new; its interval is empty, not the whole print.
      const interval = delta ? sparseOf(deltaByKey.get(series.key) ?? [], axis) : recordCounts;
      addInto(all.record, recordCounts);
      addInto(all.interval, interval);
      printed.push({ key: series.key, series: { record: recordCounts, interval }, total: sparseTotal(recordCounts) });
    }
    printed.sort((a, b) => b.total - a.total);
    const kept = printed.slice(0, MAX_KEYS_PER_PRINT);
    return {
      seq,
      at,
      heardAt,
      intervalMs: null,
      all: { record: fromMap(all.record), interval: fromMap(all.interval) },
      keys: new Map(kept.map(({ key, series }) => [key, series])),
      keysLeftOut: printed.length - kept.length,
    };
  }

  #heatmapFor(map: string, key: string | null, always: boolean): FleetHeatmap | null {
    const id = heatmapKey(map, key);
    let heatmap = this.#heatmaps.get(id);
    if (!heatmap) {
      if (!always && this.#keyHeatmaps >= MAX_KEY_HEATMAPS) return null;
      if (!always) this.#keyHeatmaps += 1;
      this.#heatmaps.set(id, (heatmap = new FleetHeatmap()));
    }
    return heatmap;
  }

  /** Notifies now (a state change) or within RENDER_INTERVAL_MS (frames). */
  #changed(now = false): void {
    if (now) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#notify();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#notify();
    }, RENDER_INTERVAL_MS);
  }

  /** Tells the listeners now about frames folded in since the last notification (a benchmark reading every render). */
  flush(): void {
    if (this.#timer !== undefined) this.#changed(true);
  }

  #notify(): void {
    this.#version += 1;
    this.#view = this.#makeView();
    for (const listener of this.#listeners) listener();
  }

  #makeView(): FleetView {
    return {
      version: this.#version,
      hosts: [...this.#hosts],
      axes: this.axes,
      maps: [...this.#maps],
      heatmapOf: (map, key) => this.heatmap(map, key),
      rejectedFrames: this.rejectedFrames,
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The same object until the next notification: useSyncExternalStore's snapshot. */
  getView = (): FleetView => this.#view;

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function addInto(target: Map<number, number>, sparse: SparseCounts): void {
  for (let i = 0; i < sparse.ids.length; i += 1) target.set(sparse.ids[i]!, (target.get(sparse.ids[i]!) ?? 0) + sparse.counts[i]!);
}

function fromMap(counts: Map<number, number>): SparseCounts {
  const ids = [...counts.keys()].filter((id) => counts.get(id) !== 0).sort((a, b) => a - b);
  return { ids: Uint32Array.from(ids), counts: Float64Array.from(ids.map((id) => counts.get(id)!)) };
}
