// The frames of every run a page shows (one run, the hosts of one approval,
// or two sides of a comparison), folded into RunTimelines that share one
// bucket axis per map, plus each run's latest snapshot. It lives outside
// React state: frames arrive up to dozens of times a second and are folded in
// as they come, while the page re-renders at most every RENDER_INTERVAL_MS.
// Nothing is dropped while a view is paused: pausing freezes the moment the
// view shows, not the store.
//
// React reads it through `getView()`: a new WorkspaceView object whenever the
// page should re-render, so every computation that reads the view names it as
// a dependency (the timelines inside are mutable and read only through it).
import { frameSchema } from "@/lib/shared/frame.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { BucketAxes } from "@/lib/views/run-timeline/bucket-axis.ts";
import { RunTimeline } from "@/lib/views/run-timeline/run-timeline.ts";
import { isNotBehind } from "./snapshot-order.ts";

/** Re-rendering 50 hosts' charts 5 times a second is smooth and costs a few ms each time. */
const RENDER_INTERVAL_MS = 200;

export type WorkspaceRun = { snapshot: RunSnapshotWithOrigin; timeline: RunTimeline };
/** What the page renders from, as of the latest notification. */
export type WorkspaceView = {
  version: number;
  /** The runs in page order, with the snapshot each had at that moment. */
  runs: readonly WorkspaceRun[];
  timelines: readonly RunTimeline[];
  axes: BucketAxes;
  /** First and last frame times over all runs (ms), or null before any frame. */
  range: { start: number; end: number } | null;
  allEnded: boolean;
  historyLimited: boolean;
};
/** Frames fromSeq..toSeq of a run were not seen: the view reads them from the database. */
export type SeqGap = { runId: string; fromSeq: number; toSeq: number };

export class WorkspaceStore {
  readonly axes = new BucketAxes();
  readonly runs: WorkspaceRun[];
  readonly #byId = new Map<string, WorkspaceRun>();
  readonly #listeners = new Set<() => void>();
  #version = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #view: WorkspaceView;
  /** Frames not loaded because the history was too long to fetch whole (see use-workspace-stream.ts). */
  historyLimited = false;

  constructor(snapshots: readonly RunSnapshotWithOrigin[]) {
    this.runs = snapshots.map((snapshot) => ({ snapshot, timeline: new RunTimeline(snapshot.id, this.axes) }));
    for (const run of this.runs) this.#byId.set(run.snapshot.id, run);
    this.#view = this.#makeView();
  }

  /** The history was too long to load whole: the page says where its views start. */
  markHistoryLimited(): void {
    if (this.historyLimited) return;
    this.historyLimited = true;
    this.#changed(true);
  }

  get(runId: string): WorkspaceRun | undefined {
    return this.#byId.get(runId);
  }

  /** Frames that did not have the shape of docs/frames.md and were left out. */
  rejectedFrames = 0;
  /** Per run, the highest seq seen, to notice frames that never arrived live. */
  readonly #highestSeq = new Map<string, number>();

  /** Frames of one run (a snapshot, a page read back); returns the seq ranges missing between the frames seen so far and these. */
  ingest(runId: string, frames: readonly unknown[]): SeqGap[] {
    const run = this.#byId.get(runId);
    if (!run) return [];
    const gaps: SeqGap[] = [];
    let changed = false;
    for (const candidate of frames) {
      // The server validated them; the browser still refuses what it cannot read rather than stop rendering.
      const parsed = frameSchema.safeParse(candidate);
      if (!parsed.success || parsed.data.runId !== runId) {
        this.rejectedFrames += 1;
        continue;
      }
      const frame = parsed.data;
      const highest = this.#highestSeq.get(runId) ?? 0;
      if (highest > 0 && frame.seq > highest + 1) gaps.push({ runId, fromSeq: highest + 1, toSeq: frame.seq - 1 });
      if (frame.seq > highest) this.#highestSeq.set(runId, frame.seq);
      try {
        if (run.timeline.ingest(frame)) changed = true;
      } catch {
        this.rejectedFrames += 1;
      }
    }
    if (changed) this.#changed();
    return gaps;
  }

  /** Frames of any runs of this store (a live message carries frames of every run watched), in order within each run. */
  ingestMany(frames: readonly unknown[]): SeqGap[] {
    const byRun = new Map<string, unknown[]>();
    for (const frame of frames) {
      const runId = typeof frame === "object" && frame !== null ? (frame as { runId?: unknown }).runId : undefined;
      if (typeof runId !== "string") {
        this.rejectedFrames += 1;
        continue;
      }
      const list = byRun.get(runId);
      if (list) list.push(frame);
      else byRun.set(runId, [frame]);
    }
    return [...byRun].flatMap(([runId, list]) => this.ingest(runId, list));
  }

  /** A newer state of a run; an older one (a watch answer read before a state push that came first) is ignored. */
  setSnapshot(snapshot: RunSnapshotWithOrigin): void {
    const run = this.#byId.get(snapshot.id);
    if (!run || !isNotBehind(snapshot, run.snapshot)) return;
    run.snapshot = snapshot;
    this.#changed(true);
  }

  /** Bumps the version now or within RENDER_INTERVAL_MS; state changes go out at once. */
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

  #notify(): void {
    this.#version += 1;
    this.#view = this.#makeView();
    for (const listener of this.#listeners) listener();
  }

  #makeView(): WorkspaceView {
    const runs = this.runs.map((run) => ({ ...run }));
    return {
      version: this.#version,
      runs,
      timelines: runs.map((run) => run.timeline),
      axes: this.axes,
      range: this.timeRange(),
      allEnded: this.allEnded,
      historyLimited: this.historyLimited,
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getVersion = (): number => this.#version;

  /** The same object until the next notification: useSyncExternalStore's snapshot. */
  getView = (): WorkspaceView => this.#view;

  /** First and last frame times over all runs (ms), or null before any frame. */
  timeRange(): { start: number; end: number } | null {
    let start = Infinity;
    let end = -Infinity;
    for (const { timeline } of this.runs) {
      if (timeline.firstAt !== null) start = Math.min(start, timeline.firstAt);
      if (timeline.lastAt !== null) end = Math.max(end, timeline.lastAt);
    }
    return start === Infinity ? null : { start, end };
  }

  get allEnded(): boolean {
    return this.runs.every((run) => run.snapshot.status === "ENDED");
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
