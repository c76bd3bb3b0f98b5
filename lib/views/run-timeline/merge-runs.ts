// Several runs of one view (the hosts of a fleet run, or runs compared) read
// as one: their series listed together, and their counts summed by bucket id.
import type { RunTimeline } from "./run-timeline.ts";
import { addSparse, grow, type DenseCounts } from "./sparse-counts.ts";

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
