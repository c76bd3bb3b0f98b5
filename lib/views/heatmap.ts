// A latency heatmap, read the way Brendan Gregg's latency heatmaps read:
// time runs left to right in fixed-width columns, buckets run bottom (lowest
// latency) to top, and each cell's colour says how many events of that
// latency happened in that column's time. Built from the per-interval
// columns of one or more series (several hosts merge by summing cells).
//
// Time bins: every print lands in the bin `floor((at - origin) / binMs)`.
// `origin` sits half a bin before the first print, so a host printing once a
// second puts each print in the middle of its own one-second bin. `at` is
// when the agent read the print, and reads drift and jitter (a busy host, a
// pipe read late); when two prints of one series fall into one bin, one of
// them moves into an empty neighbouring bin, so one late read does not show
// as an empty column next to a doubled one.
import type { BucketAxis } from "./run-timeline/bucket-axis.ts";
import type { IntervalColumn } from "./run-timeline/series-timeline.ts";

export type Heatmap = {
  /** Start of bin 0, ms since the epoch. */
  origin: number;
  binMs: number;
  /** Index of the first bin shown (bins before it scrolled out of the window). */
  firstBin: number;
  /** Bins shown, from `firstBin`. */
  bins: number;
  /** Bucket ids from bottom to top (lowest latency first), trimmed to the non-empty range. */
  rowIds: number[];
  /** Counts, bin-major: `cells[bin * rowIds.length + row]`. */
  cells: Float64Array;
  /** The largest cell. */
  max: number;
  /** Bins shown that hold at least one print. */
  filledBins: number;
};

export type HeatmapOptions = {
  binMs: number;
  origin: number;
  /** The moment the view shows; prints after it are left out. */
  until: number;
  /** How far back the window reaches (ms); everything since `origin` when absent. */
  windowMs?: number;
};

/**
 * The typical time between prints: the median gap between successive
 * columns, rounded to 100 ms (at least 100 ms). One second when there is
 * only one print.
 */
export function estimateBinMs(columns: readonly { at: number }[]): number {
  if (columns.length < 2) return 1000;
  const gaps: number[] = [];
  for (let i = 1; i < columns.length; i += 1) gaps.push(columns[i]!.at - columns[i - 1]!.at);
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  return Math.max(100, Math.round(median / 100) * 100);
}

/** Half a bin before the earliest print of any source. */
export function heatmapOrigin(sources: readonly (readonly IntervalColumn[])[], binMs: number): number | null {
  let earliest = Infinity;
  for (const columns of sources) if (columns.length > 0) earliest = Math.min(earliest, columns[0]!.at);
  return earliest === Infinity ? null : earliest - binMs / 2;
}

export function buildHeatmap(sources: readonly (readonly IntervalColumn[])[], axis: BucketAxis, options: HeatmapOptions): Heatmap {
  const { binMs, origin, until } = options;
  const lastBin = Math.max(0, Math.floor((until - origin) / binMs));
  const windowBins = options.windowMs === undefined ? lastBin + 1 : Math.max(1, Math.round(options.windowMs / binMs));
  const firstBin = Math.max(0, lastBin - windowBins + 1);
  const bins = lastBin - firstBin + 1;
  const from = origin + firstBin * binMs;

  // One pass over the prints in the window into a grid of every bucket of the axis;
  // the rows are trimmed to the non-empty range afterwards. A live view scrolls
  // over a long run, so each series is entered where the window starts.
  const width = axis.size;
  const grid = new Float64Array(bins * width);
  const used = new Uint8Array(width);
  const filled = new Uint8Array(bins);
  for (const columns of sources) {
    // One print before the window too: it decides whether the first print inside moves (binsOfSeries).
    const begin = Math.max(0, firstIndexAtOrAfter(columns, from) - 1);
    const end = firstIndexAtOrAfter(columns, until + 1);
    const binsOf = binsOfSeries(columns, begin, end, origin, binMs, lastBin);
    for (let c = begin; c < end; c += 1) {
      const column = columns[c]!;
      const bin = binsOf[c - begin]! - firstBin;
      if (column.at < from || bin < 0 || bin >= bins) continue;
      filled[bin] = 1;
      const { ids, counts } = column.interval;
      for (let i = 0; i < ids.length; i += 1) {
        grid[bin * width + ids[i]!]! += counts[i]!;
        used[ids[i]!] = 1;
      }
    }
  }
  const order = axis.order();
  const lowest = order.findIndex((id) => used[id] === 1);
  const highest = order.findLastIndex((id) => used[id] === 1);
  const rowIds = lowest === -1 ? [] : order.slice(lowest, highest + 1);
  const rows = rowIds.length;
  const cells = new Float64Array(bins * rows);
  let max = 0;
  for (let bin = 0; bin < bins; bin += 1) {
    for (let row = 0; row < rows; row += 1) {
      const count = grid[bin * width + rowIds[row]!]!;
      cells[bin * rows + row] = count;
      if (count > max) max = count;
    }
  }
  let filledBins = 0;
  for (let bin = 0; bin < bins; bin += 1) filledBins += filled[bin]!;
  return { origin, binMs, firstBin, bins, rowIds, cells, max, filledBins };
}

/** Index of the first print at or after `time` (columns are in time order), or the length. */
function firstIndexAtOrAfter(columns: readonly IntervalColumn[], time: number): number {
  let low = 0;
  let high = columns.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (columns[middle]!.at < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The bin of each print columns[begin..end) of one series (in time order).
 * Where two prints share a bin, one moves to a free neighbour: the earlier
 * one back when the bin before is free (the later print was read late), else
 * the later one forward when the bin after is free (it was read early).
 */
function binsOfSeries(columns: readonly IntervalColumn[], begin: number, end: number, origin: number, binMs: number, lastBin: number): Int32Array {
  const bins = new Int32Array(end - begin);
  for (let i = begin; i < end; i += 1) bins[i - begin] = Math.floor((columns[i]!.at - origin) / binMs);
  const binAt = (i: number) => (i < 0 ? -Infinity : i >= bins.length ? (begin + i < columns.length ? Math.floor((columns[begin + i]!.at - origin) / binMs) : Infinity) : bins[i]!);
  for (let i = 1; i < bins.length; i += 1) {
    if (bins[i] !== bins[i - 1]) continue;
    const bin = bins[i]!;
    if (bin - 1 >= 0 && binAt(i - 2) < bin - 1) bins[i - 1] = bin - 1;
    else if (bin + 1 <= lastBin && binAt(i + 1) > bin + 1) bins[i] = bin + 1;
  }
  return bins;
}

/** What a cell holds, for the hover read-out: its time span, bucket and count. */
export function heatmapCell(heatmap: Heatmap, bin: number, row: number): { from: number; to: number; bucketId: number; count: number } | null {
  if (bin < 0 || bin >= heatmap.bins || row < 0 || row >= heatmap.rowIds.length) return null;
  const from = heatmap.origin + (heatmap.firstBin + bin) * heatmap.binMs;
  return { from, to: from + heatmap.binMs, bucketId: heatmap.rowIds[row]!, count: heatmap.cells[bin * heatmap.rowIds.length + row]! };
}

/**
 * Colour intensity 0..1 of a count. Square-root scaled: latency
 * distributions are long-tailed, and on a linear scale the tail's few events
 * vanish next to the mode, which is the opposite of what an incident needs.
 * Any non-zero cell gets at least a faint tint, so a single outlier shows.
 */
export function heatIntensity(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.max(0.08, Math.sqrt(count / max));
}
