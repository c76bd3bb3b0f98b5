// What the run views show at one moment, computed from the workspace's
// timelines: the series to pick from, the histogram of the selection (whole
// run or current interval; merged over hosts or one host), its heatmap, and
// each host's status. Pure functions of (runs, selection, moment), so a
// paused view, a replay at 10x and the live edge are the same code.
import { estimateBinMs, buildHeatmap, heatmapOrigin, type Heatmap } from "@/lib/views/heatmap.ts";
import { inferUnit, type HistogramBucket, type HistogramUnit } from "@/lib/shared/histogram.ts";
import { listHistogramSeries, mergedLatestInterval, mergedTotal } from "@/lib/views/run-timeline/merge-runs.ts";
import type { BucketAxes } from "@/lib/views/run-timeline/bucket-axis.ts";
import type { DenseCounts } from "@/lib/views/run-timeline/sparse-counts.ts";
import type { IntervalColumn } from "@/lib/views/run-timeline/series-timeline.ts";
import type { RunStatusAt, RunTimeline } from "@/lib/views/run-timeline/run-timeline.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";

/** `ALL_KEYS`: every key of a keyed map summed (no bpftrace key can be this: frames refuse NUL in keys). */
export const ALL_KEYS = "\u0000all";
export type KeyChoice = string | null;
export const keyLabel = (key: KeyChoice) => (key === null ? "(no key)" : key === ALL_KEYS ? "all keys" : key);

export type Selection = {
  map: string | null;
  key: KeyChoice;
  mode: "whole" | "interval";
  unit: HistogramUnit | "auto";
};

export type SeriesOption = { map: string; keyed: boolean; keys: { key: string | null; count: number }[] };

export function seriesOptions(runs: readonly RunTimeline[], time: number): SeriesOption[] {
  return listHistogramSeries(runs, time).map(({ map, keys }) => ({ map, keys, keyed: keys.some((k) => k.key !== null) }));
}

/** The selection made valid for what exists: the first map, all keys of a keyed map. */
export function resolveSelection(selection: Selection, options: readonly SeriesOption[]): Selection & { map: string | null } {
  const option = options.find((o) => o.map === selection.map) ?? options[0];
  if (!option) return { ...selection, map: null, key: null };
  const key = !option.keyed ? null : selection.key === ALL_KEYS || option.keys.some((k) => k.key === selection.key) ? selection.key : ALL_KEYS;
  return { ...selection, map: option.map, key };
}

export const unitOf = (selection: Selection): HistogramUnit => (selection.unit === "auto" ? (selection.map ? inferUnit(selection.map) : "none") : selection.unit);

function keysOf(runs: readonly RunTimeline[], map: string, key: KeyChoice): (string | null)[] {
  if (key !== ALL_KEYS) return [key];
  const keys = new Set<string | null>();
  for (const run of runs) for (const k of run.maps.get(map)?.keys() ?? []) keys.add(k);
  return [...keys];
}

function addInto(target: DenseCounts, source: DenseCounts): DenseCounts {
  let sum = target;
  if (source.length > sum.length) {
    sum = new Float64Array(source.length);
    sum.set(target);
  }
  for (let i = 0; i < source.length; i += 1) sum[i]! += source[i]!;
  return sum;
}

/**
 * A print older than this many intervals is not "the current interval" any
 * more: a host that stopped printing drops out of the interval view (it
 * stays in the whole-run view, and the status table says it stopped).
 */
const CURRENT_INTERVALS = 2.5;

/** The selection's histogram over `runs` at `time`: the whole run so far, or what each host printed in its latest interval. */
export function histogramAt(runs: readonly RunTimeline[], axes: BucketAxes, selection: Selection, time: number, binMs: number): HistogramBucket[] {
  const { map } = selection;
  if (!map) return [];
  let dense: DenseCounts = new Float64Array(0);
  for (const key of keysOf(runs, map, selection.key)) {
    if (selection.mode === "whole") {
      dense = addInto(dense, mergedTotal(runs, map, key, time));
    } else {
      const recent = runs.filter((run) => {
        const column = run.series(map, key)?.intervalAt(time);
        return column !== undefined && column !== null && (time === Infinity ? latestAt(runs) : time) - column.at <= CURRENT_INTERVALS * binMs;
      });
      dense = addInto(dense, mergedLatestInterval(recent, map, key, time));
    }
  }
  return axes.of(map).toBuckets(dense);
}

function latestAt(runs: readonly RunTimeline[]): number {
  return runs.reduce((latest, run) => Math.max(latest, run.lastAt ?? -Infinity), -Infinity);
}

/** Interval columns of the selection in each run: the heatmap's sources. */
export function columnsOf(runs: readonly RunTimeline[], selection: Selection): IntervalColumn[][] {
  const { map } = selection;
  if (!map) return [];
  const keys = keysOf(runs, map, selection.key);
  return runs.flatMap((run) => keys.map((key) => run.series(map, key)?.columns ?? []));
}

/** The typical time between prints of the selected map over all runs. */
export function binMsOf(runs: readonly RunTimeline[], selection: Selection): number {
  const longest = columnsOf(runs, selection).reduce<IntervalColumn[]>((best, columns) => (columns.length > best.length ? columns : best), []);
  return estimateBinMs(longest);
}

export function heatmapAt(
  allRuns: readonly RunTimeline[],
  shownRuns: readonly RunTimeline[],
  axes: BucketAxes,
  selection: Selection,
  time: number,
  windowMs: number | undefined,
): Heatmap | null {
  if (!selection.map) return null;
  const binMs = binMsOf(allRuns, selection);
  // The origin comes from every run, so the merged and per-host heatmaps line up.
  const origin = heatmapOrigin(columnsOf(allRuns, selection), binMs);
  if (origin === null) return null;
  const until = time === Infinity ? latestAt(allRuns) : time;
  return buildHeatmap(columnsOf(shownRuns, selection), axes.of(selection.map), { binMs, origin, until, windowMs });
}

// ---------------------------------------------------------------- host status

export type HostStatus = {
  runId: string;
  hostName: string;
  replay: boolean;
  state: RunSnapshotWithOrigin["status"];
  /** Running, but no frame for a while: the agent or its host stopped reporting. */
  notReporting: boolean;
  /** Seconds until the duration limit; null when not running or a replay. */
  secondsLeft: number | null;
  status: RunStatusAt;
};

/**
 * A running run is "not reporting" when its newest frame is older than
 * three intervals (at least 5 s: the agent also sends overhead samples
 * every 2 s), or when it started 10 s ago and sent nothing.
 */
export function staleAfterMs(binMs: number): number {
  return Math.max(5000, 3 * binMs);
}

export function hostStatus(snapshot: RunSnapshotWithOrigin, timeline: RunTimeline, time: number, now: number, binMs: number): HostStatus {
  const status = timeline.statusAt(time);
  const running = snapshot.status === "RUNNING";
  const startedAt = snapshot.startedAt ? Date.parse(snapshot.startedAt) : null;
  const live = time === Infinity;
  const notReporting =
    live &&
    running &&
    snapshot.origin.kind === "live" &&
    (status.lastFrameAt === null ? startedAt !== null && now - startedAt > 10_000 : now - status.lastFrameAt > staleAfterMs(binMs));
  let secondsLeft: number | null = null;
  if (running && startedAt !== null && snapshot.origin.kind === "live") {
    const deadline = Math.min(startedAt + snapshot.durationSec * 1000, Date.parse(snapshot.expiresAt));
    secondsLeft = Math.max(0, Math.round((deadline - now) / 1000));
  }
  return {
    runId: snapshot.id,
    hostName: snapshot.hostName,
    replay: snapshot.origin.kind === "replay",
    state: snapshot.status,
    notReporting,
    secondsLeft,
    status,
  };
}
