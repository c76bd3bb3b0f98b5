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
//
// The model is in five modules: bucket-axis.ts (the ids), sparse-counts.ts
// (a column's counts), series-timeline.ts (one series), this file (one run),
// and merge-runs.ts (several runs, as a view with many hosts draws them).
import type { HistRecord } from "../../shared/bpftrace/records.ts";
import type { Frame, GapRecord, OverheadRecord } from "../../shared/frame.ts";
import { toBigInt } from "../../shared/histogram.ts";
import type { BucketAxes } from "./bucket-axis.ts";
import { SeriesTimeline } from "./series-timeline.ts";

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
