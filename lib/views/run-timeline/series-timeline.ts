// One histogram series (a map, or one key of a keyed map) of one run: a
// column per print, holding what happened in that interval, and the running
// total as of any moment.
import type { HistBucket } from "../../shared/bpftrace/records.ts";
import type { BucketAxis } from "./bucket-axis.ts";
import { EMPTY_COUNTS, addSparse, fromDense, sparseOf, sparseTotal, type DenseCounts, type SparseCounts } from "./sparse-counts.ts";

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
  #baseline: SparseCounts = EMPTY_COUNTS;
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
      const printedCounts = delta ? sparseOf(printed, this.axis) : EMPTY_COUNTS;
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
