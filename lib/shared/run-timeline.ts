// A run's frames folded into what the SRE views draw: for each histogram
// series (map and key), one column per print holding what happened in that
// interval, plus the run's lost events, overhead samples and frame count, all
// addressable "as of" a moment so a live view can pause and a recorded run can
// be replayed from the same model.
//
// Per-interval counts: a frame's `delta` when the agent computed one (the
// program prints running totals), else the record itself (the first print, a
// map the program clears, a print after a reset). The whole run up to a
// moment is then the sum of its intervals, plus a baseline for a cumulative
// map whose earlier prints this timeline never saw (a viewer that joined
// mid-run): that baseline is the first seen print minus its delta, i.e. the
// running total just before it. So "whole run" equals bpftrace's latest
// cumulative print for maps it never clears, and the sum of the prints for
// maps it does.
//
// Columns store only non-empty buckets, by bucket id on a per-map axis that
// every run of a view shares (ids never change), so merging hosts is a sum by
// id and a recorded hour stays a few hundred kilobytes per series.
import type { HistBucket, HistRecord } from "./bpftrace/records.ts";
import type { Frame, GapRecord, OverheadRecord } from "./frame.ts";
import { toBigInt, type HistogramBucket } from "./histogram.ts";

// ---------------------------------------------------------------- bucket axis

export type AxisBucket = { min: number | string | null; max: number | string | null };

/** The buckets of one map across every run of a view, numbered in the order first seen. */
export class BucketAxis {
  readonly buckets: AxisBucket[] = [];
  readonly #ids = new Map<string, number>();
  #sorted: number[] | null = null;

  idOf(bucket: AxisBucket): number {
    const bounds = `${bucket.min ?? ""}..${bucket.max ?? ""}`;
    let id = this.#ids.get(bounds);
    if (id === undefined) {
      id = this.buckets.length;
      this.buckets.push({ min: bucket.min, max: bucket.max });
      this.#ids.set(bounds, id);
      this.#sorted = null;
    }
    return id;
  }

  get size(): number {
    return this.buckets.length;
  }

  /** Bucket ids from the lowest bucket to the highest (the bucket below everything first). */
  order(): readonly number[] {
    this.#sorted ??= this.buckets.map((_, id) => id).sort((a, b) => compareBuckets(this.buckets[a]!, this.buckets[b]!));
    return this.#sorted;
  }

  /** Dense counts by id as histogram buckets in ascending order, the shape lib/shared/histogram.ts reads. */
  toBuckets(dense: ArrayLike<number>): HistogramBucket[] {
    return this.order().map((id) => ({ min: this.buckets[id]!.min, max: this.buckets[id]!.max, count: dense[id] ?? 0 }));
  }
}

function compareBuckets(a: AxisBucket, b: AxisBucket): number {
  if (a.min === null || b.min === null) return a.min === b.min ? 0 : a.min === null ? -1 : 1;
  const lower = toBigInt(a.min) - toBigInt(b.min);
  if (lower !== 0n) return lower < 0n ? -1 : 1;
  if (a.max === null || b.max === null) return a.max === b.max ? 0 : a.max === null ? 1 : -1;
  const upper = toBigInt(a.max) - toBigInt(b.max);
  return upper === 0n ? 0 : upper < 0n ? -1 : 1;
}

/** One axis per map name, shared by every run a view shows. */
export class BucketAxes {
  readonly #byMap = new Map<string, BucketAxis>();
  of(map: string): BucketAxis {
    let axis = this.#byMap.get(map);
    if (!axis) this.#byMap.set(map, (axis = new BucketAxis()));
    return axis;
  }
}

// ---------------------------------------------------------------- sparse counts

/** Counts indexed by bucket id; shorter than the axis when later buckets are empty. */
export type DenseCounts = Float64Array<ArrayBuffer>;

/** Non-empty buckets only: ids on the map's axis and their counts. */
export type SparseCounts = { ids: Uint32Array; counts: Float64Array };

const EMPTY: SparseCounts = { ids: new Uint32Array(0), counts: new Float64Array(0) };

function sparseOf(buckets: readonly HistBucket[], axis: BucketAxis): SparseCounts {
  const ids: number[] = [];
  const counts: number[] = [];
  for (const bucket of buckets) {
    const count = Number(toBigInt(bucket.count));
    if (count === 0) continue;
    ids.push(axis.idOf(bucket));
    counts.push(count);
  }
  return { ids: Uint32Array.from(ids), counts: Float64Array.from(counts) };
}

/** `dense[id] += sign × count` for each bucket; grows `dense` when the axis did. */
export function addSparse(dense: DenseCounts, sparse: SparseCounts, sign = 1): DenseCounts {
  let target = dense;
  for (let i = 0; i < sparse.ids.length; i += 1) {
    const id = sparse.ids[i]!;
    if (id >= target.length) target = grow(target, id + 1);
    target[id]! += sign * sparse.counts[i]!;
  }
  return target;
}

function grow(dense: DenseCounts, size: number): DenseCounts {
  const grown = new Float64Array(Math.max(size, dense.length * 2, 16));
  grown.set(dense);
  return grown;
}

export function sparseTotal(sparse: SparseCounts): number {
  let total = 0;
  for (let i = 0; i < sparse.counts.length; i += 1) total += sparse.counts[i]!;
  return total;
}

// ---------------------------------------------------------------- series

export type IntervalColumn = {
  seq: number;
  /** When the agent read the print (ms since the epoch, the agent's clock). */
  at: number;
  /** What happened since the previous print of the map. */
  interval: SparseCounts;
  total: number;
};

/** One histogram series (a map, or one key of a keyed map) of one run. */
export class SeriesTimeline {
  readonly columns: IntervalColumn[] = [];
  /** Running total just before the first column: non-empty only for a cumulative map first seen mid-run. */
  #baseline: SparseCounts = EMPTY;
  /** Running total after the last column, kept up to date for the live edge. */
  #whole: DenseCounts = new Float64Array(0);

  constructor(
    readonly map: string,
    readonly key: string | null,
    readonly axis: BucketAxis,
  ) {}

  /** Adds a print; returns false for a seq already present. */
  add(seq: number, at: number, printed: readonly HistBucket[], delta: readonly HistBucket[] | undefined): boolean {
    const index = insertionIndex(this.columns, seq);
    if (this.columns[index]?.seq === seq) return false;
    const interval = sparseOf(delta ?? printed, this.axis);
    const column: IntervalColumn = { seq, at, interval, total: sparseTotal(interval) };
    this.columns.splice(index, 0, column);
    if (index === 0) {
      // A new first column: the running total before it, when it is a delta of a print we never saw.
      const printedCounts = delta ? sparseOf(printed, this.axis) : EMPTY;
      const before = delta ? addSparse(addSparse(new Float64Array(this.axis.size), printedCounts), interval, -1) : new Float64Array(0);
      this.#whole = addSparse(addSparse(this.#whole, this.#baseline, -1), fromDense(before));
      this.#baseline = fromDense(before);
    }
    this.#whole = addSparse(this.#whole, interval);
    return true;
  }

  /** Index of the last column at or before `time`, or -1. */
  lastIndexAt(time: number): number {
    let low = 0;
    let high = this.columns.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.columns[middle]!.at <= time) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  }

  /** The interval printed last at or before `time`, with when it was printed. */
  intervalAt(time: number): IntervalColumn | null {
    const index = this.lastIndexAt(time);
    return index === -1 ? null : this.columns[index]!;
  }

  /**
   * Counts by bucket id over the run up to `time` (inclusive), or only over
   * the prints in [from, time] when `from` is given (a time range). Dense,
   * indexed by bucket id; the caller must not modify it (the live edge is cached).
   */
  totalUpTo(time: number, from?: number): DenseCounts {
    const last = this.lastIndexAt(time);
    if (from === undefined && last === this.columns.length - 1) return this.#whole;
    let dense = new Float64Array(this.axis.size);
    if (from === undefined) dense = addSparse(dense, this.#baseline);
    for (let i = 0; i <= last; i += 1) {
      const column = this.columns[i]!;
      if (from !== undefined && column.at < from) continue;
      dense = addSparse(dense, column.interval);
    }
    return dense;
  }

  /** Sum of the counts up to `time`. */
  countUpTo(time: number): number {
    const dense = this.totalUpTo(time);
    let total = 0;
    for (let i = 0; i < dense.length; i += 1) total += dense[i]!;
    return total;
  }
}

function fromDense(dense: DenseCounts): SparseCounts {
  const ids: number[] = [];
  const counts: number[] = [];
  dense.forEach((count, id) => {
    if (count !== 0) {
      ids.push(id);
      counts.push(count);
    }
  });
  return { ids: Uint32Array.from(ids), counts: Float64Array.from(counts) };
}

function insertionIndex(columns: readonly IntervalColumn[], seq: number): number {
  // Frames almost always arrive in order: check the end first.
  if (columns.length === 0 || columns.at(-1)!.seq < seq) return columns.length;
  let low = 0;
  let high = columns.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (columns[middle]!.seq < seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ---------------------------------------------------------------- run

export type OverheadSample = { at: number; seq: number; record: OverheadRecord };
export type TimedCount = { at: number; seq: number; count: number };

/** A run's status as of a moment. */
export type RunStatusAt = {
  frames: number;
  lostEvents: number;
  overhead: OverheadSample | null;
  lastFrameAt: number | null;
  gaps: number;
};

export const seriesId = (map: string, key: string | null): string => (key === null ? map : `${map}[${key}]`);

/** Everything one run's frames say, as of any moment. */
export class RunTimeline {
  /** Histogram series by map, then by key. */
  readonly maps = new Map<string, Map<string | null, SeriesTimeline>>();
  readonly #seqs = new Set<number>();
  readonly #frameTimes: number[] = [];
  readonly #lost: TimedCount[] = [];
  readonly #overheads: OverheadSample[] = [];
  readonly #gaps: { at: number; record: GapRecord }[] = [];
  #lowestSeq = Infinity;

  constructor(
    readonly runId: string,
    readonly axes: BucketAxes,
  ) {}

  /** Folds in one frame; returns false for a frame already seen (snapshot and live overlap). */
  ingest(frame: Frame): boolean {
    if (this.#seqs.has(frame.seq)) return false;
    this.#seqs.add(frame.seq);
    this.#lowestSeq = Math.min(this.#lowestSeq, frame.seq);
    insertSorted(this.#frameTimes, frame.at);
    const { record } = frame;
    switch (record.type) {
      case "hist":
        this.#addHist(frame.seq, frame.at, record, frame.delta);
        break;
      case "lost_events":
        insertByAt(this.#lost, { at: frame.at, seq: frame.seq, count: Number(toBigInt(record.count)) });
        break;
      case "overhead":
        insertByAt(this.#overheads, { at: frame.at, seq: frame.seq, record });
        break;
      case "gap":
        this.#gaps.push({ at: frame.at, record });
        break;
      default:
        break;
    }
    return true;
  }

  #addHist(seq: number, at: number, record: HistRecord, delta: HistRecord | undefined): void {
    const axis = this.axes.of(record.map);
    let byKey = this.maps.get(record.map);
    if (!byKey) this.maps.set(record.map, (byKey = new Map()));
    const deltaByKey = new Map(delta?.series.map((series) => [series.key, series.buckets]));
    for (const series of record.series) {
      let timeline = byKey.get(series.key);
      if (!timeline) byKey.set(series.key, (timeline = new SeriesTimeline(record.map, series.key, axis)));
      // A key absent from the delta had nothing new; its delta is empty, not the whole print.
      timeline.add(seq, at, series.buckets, delta ? (deltaByKey.get(series.key) ?? []) : undefined);
    }
  }

  get frameCount(): number {
    return this.#seqs.size;
  }

  /** Whether frames before the first one seen exist (a viewer that joined mid-run). */
  get missesEarlyFrames(): boolean {
    return this.#lowestSeq > 1 && this.#seqs.size > 0;
  }

  get lowestSeq(): number {
    return this.#lowestSeq === Infinity ? 0 : this.#lowestSeq;
  }

  get firstAt(): number | null {
    return this.#frameTimes[0] ?? null;
  }

  get lastAt(): number | null {
    return this.#frameTimes.at(-1) ?? null;
  }

  series(map: string, key: string | null): SeriesTimeline | undefined {
    return this.maps.get(map)?.get(key);
  }

  statusAt(time: number): RunStatusAt {
    const frames = countAtOrBefore(this.#frameTimes, time);
    let lostEvents = 0;
    for (const lost of this.#lost) if (lost.at <= time) lostEvents += lost.count;
    let overhead: OverheadSample | null = null;
    for (const sample of this.#overheads) if (sample.at <= time) overhead = sample;
    return {
      frames,
      lostEvents,
      overhead,
      lastFrameAt: frames > 0 ? this.#frameTimes[frames - 1]! : null,
      gaps: this.#gaps.filter((gap) => gap.at <= time).length,
    };
  }
}

function insertSorted(values: number[], value: number): void {
  if (values.length === 0 || values.at(-1)! <= value) {
    values.push(value);
    return;
  }
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (values[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  values.splice(low, 0, value);
}

function insertByAt<T extends { at: number; seq: number }>(items: T[], item: T): void {
  let index = items.length;
  while (index > 0 && (items[index - 1]!.at > item.at || (items[index - 1]!.at === item.at && items[index - 1]!.seq > item.seq))) index -= 1;
  items.splice(index, 0, item);
}

function countAtOrBefore(sorted: readonly number[], time: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ---------------------------------------------------------------- across runs

/** Every map and key with a histogram in any of the runs, keys in order of their count (largest first). */
export function listHistogramSeries(runs: readonly RunTimeline[], time: number): { map: string; keys: { key: string | null; count: number }[] }[] {
  const maps = new Map<string, Map<string | null, number>>();
  for (const run of runs) {
    for (const [map, byKey] of run.maps) {
      let keys = maps.get(map);
      if (!keys) maps.set(map, (keys = new Map()));
      for (const [key, series] of byKey) keys.set(key, (keys.get(key) ?? 0) + series.countUpTo(time));
    }
  }
  return [...maps].map(([map, keys]) => ({
    map,
    keys: [...keys].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key))),
  }));
}

/**
 * One series summed over several runs (hosts) as of `time`: the whole run
 * up to then, or only the prints in [from, time]. Buckets are matched by
 * their bounds, so hosts whose bpftrace trimmed different empty buckets add up.
 */
export function mergedTotal(runs: readonly RunTimeline[], map: string, key: string | null, time: number, from?: number): DenseCounts {
  let dense: DenseCounts = new Float64Array(0);
  for (const run of runs) {
    const series = run.series(map, key);
    if (!series) continue;
    const total = series.totalUpTo(time, from);
    if (total.length > dense.length) dense = grow(dense, total.length);
    for (let i = 0; i < total.length; i += 1) dense[i]! += total[i]!;
  }
  return dense;
}

/** The latest interval of each run at `time`, summed: what the hosts printed in their last interval. */
export function mergedLatestInterval(runs: readonly RunTimeline[], map: string, key: string | null, time: number): DenseCounts {
  let dense: DenseCounts = new Float64Array(0);
  for (const run of runs) {
    const column = run.series(map, key)?.intervalAt(time);
    if (column) dense = addSparse(dense, column.interval);
  }
  return dense;
}
