import "server-only";
import type { HistBucket, HistRecord } from "@/lib/shared/bpftrace/records.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import { inferUnit, toBigInt, type HistogramBucket } from "@/lib/shared/histogram.ts";

// The running histograms of runs in progress, for /metrics. Prometheus wants
// counters that only grow, so each series adds up what happened in each
// interval: a frame's `delta` when the agent computed one, else the record
// itself (the first print, or a map the program clears). A series first seen
// with a delta (the server restarted mid-run) starts from the record, the
// running total bpftrace printed.

export type RunLabels = { run: string; host: string; program: string; source: "live" | "replay" };

type SeriesState = { map: string; key: string | null; buckets: Map<string, { min: HistBucket["min"]; max: HistBucket["max"]; count: bigint }> };

type RunState = { labels: RunLabels | null; series: Map<string, SeriesState> };

export type LiveSeries = { labels: RunLabels; map: string; key: string | null; unit: string; buckets: HistogramBucket[] };

const boundsOf = (bucket: { min: unknown; max: unknown }) => `${bucket.min ?? ""}..${bucket.max ?? ""}`;

export class LiveHistograms {
  readonly #runs = new Map<string, RunState>();

  /**
   * @param resolveLabels looks up a run's host and program once, on its first frame; a run that
   * cannot be resolved (deleted meanwhile) is dropped.
   */
  constructor(private readonly resolveLabels: (runId: string) => Promise<RunLabels | null>) {}

  record(runId: string, frames: readonly Frame[]): void {
    let run = this.#runs.get(runId);
    for (const frame of frames) {
      if (frame.record.type !== "hist") continue;
      if (!run) {
        run = { labels: null, series: new Map() };
        this.#runs.set(runId, run);
        this.resolveLabels(runId).then(
          (labels) => {
            const current = this.#runs.get(runId);
            if (!current) return;
            if (labels) current.labels = labels;
            else this.#runs.delete(runId);
          },
          () => this.#runs.delete(runId),
        );
      }
      addPrint(run, frame.record, frame.delta);
    }
  }

  /** A run ended: its histograms leave /metrics (Prometheus marks the series stale). */
  forget(runId: string): void {
    this.#runs.delete(runId);
  }

  /** Whether a run has histograms here (its end must then be heard, to take them out of /metrics). */
  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  get runCount(): number {
    return this.#runs.size;
  }

  *series(): Generator<LiveSeries> {
    for (const run of this.#runs.values()) {
      if (!run.labels) continue;
      for (const state of run.series.values()) {
        const buckets = [...state.buckets.values()].map((bucket) => ({ min: bucket.min, max: bucket.max, count: bucket.count.toString() }));
        yield { labels: run.labels, map: state.map, key: state.key, unit: inferUnit(state.map), buckets };
      }
    }
  }
}

function addPrint(run: RunState, record: HistRecord, delta: HistRecord | undefined): void {
  const deltas = new Map(delta?.series.map((series) => [series.key, series.buckets]));
  for (const series of record.series) {
    const id = `${record.map}\u0000${series.key ?? ""}`;
    let state = run.series.get(id);
    let add: readonly HistBucket[];
    if (!state) {
      state = { map: record.map, key: series.key, buckets: new Map() };
      run.series.set(id, state);
      add = series.buckets; // the running total so far, whether or not a delta came with it
    } else {
      add = delta ? (deltas.get(series.key) ?? []) : series.buckets;
    }
    for (const bucket of add) {
      const key = boundsOf(bucket);
      const existing = state.buckets.get(key);
      const count = toBigInt(bucket.count);
      if (existing) existing.count += count;
      else state.buckets.set(key, { min: bucket.min, max: bucket.max, count });
    }
  }
}
