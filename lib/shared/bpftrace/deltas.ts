// Per-interval histograms from cumulative ones. A bpftrace program that
// prints a map on an interval without clear() prints running totals; the live
// view wants what happened since the previous print. Subtracting needs the
// previous print of the same map, so this is the one stateful piece.
import { addJsonInts, isLessThan, subtractJsonInts } from "./json-int.ts";
import type { HistBucket, HistRecord, HistSeries, JsonInt } from "./records.ts";

/** Counts of one print of a map: series key -> bucket bounds -> count. */
type MapCounts = Map<string | null, Map<string, JsonInt>>;

/**
 * Feed it every hist record of a run in order; it returns each as a delta:
 * the same map, keys and buckets, with each count minus that bucket's count
 * in the previous print of the map (a bucket or key absent before counts 0).
 *
 * When any count went down (a key or bucket vanished, or shrank), the map was
 * cleared or zeroed since the previous print, so the record itself is the
 * delta. A program that clears its map on every print already prints deltas,
 * and a print with more events than the one before looks cumulative: pass such
 * records straight through instead.
 */
export class HistDeltaTracker {
  readonly #previous = new Map<string, MapCounts>();

  next(record: HistRecord): HistRecord {
    const current = countsOf(record);
    const previous = this.#previous.get(record.map);
    this.#previous.set(record.map, current);
    if (previous === undefined || anyCountWentDown(previous, current)) return record;
    const series = record.series.map((keySeries) => subtractSeries(keySeries, previous.get(keySeries.key)));
    return { type: "hist", map: record.map, series };
  }
}

function subtractSeries(series: HistSeries, previous: Map<string, JsonInt> | undefined): HistSeries {
  let total: JsonInt = 0;
  const buckets = series.buckets.map((bucket): HistBucket => {
    const count = subtractJsonInts(bucket.count, previous?.get(boundsOf(bucket)) ?? 0);
    total = addJsonInts(total, count);
    return { min: bucket.min, max: bucket.max, count };
  });
  return { key: series.key, buckets, total };
}

function anyCountWentDown(previous: MapCounts, current: MapCounts): boolean {
  for (const [key, previousBuckets] of previous) {
    const currentBuckets = current.get(key);
    for (const [bounds, previousCount] of previousBuckets) {
      if (isLessThan(currentBuckets?.get(bounds) ?? 0, previousCount)) return true;
    }
  }
  return false;
}

function countsOf(record: HistRecord): MapCounts {
  return new Map(record.series.map((series) => [series.key, new Map(series.buckets.map((bucket) => [boundsOf(bucket), bucket.count]))]));
}

function boundsOf(bucket: HistBucket): string {
  return `${bucket.min ?? ""}..${bucket.max ?? ""}`;
}
