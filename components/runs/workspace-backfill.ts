import type { Frame } from "@/lib/shared/frame.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import type { WorkspaceStore } from "./workspace-store.ts";

/**
 * Older frames are fetched over HTTP when the socket's snapshot (the latest
 * 600 frames of each run) does not reach back to the start, up to this many
 * in all; a view joined late into a long run of many hosts shows the recent
 * history only and says so. Frames missed live (the viewer fell behind, or
 * a server process died before relaying what it stored) are fetched the same way.
 */
export const MAX_BACKFILL_FRAMES = 200_000;
const PAGE = 5000;

/** One page of a run's stored frames after `afterSeq`, as the frames route answers it. */
export type FramePages = (runId: string, afterSeq: number, limit: number) => Promise<{ frames: Frame[]; nextAfterSeq: number }>;

/** Pages read from the workbench's frames route, with the viewer's session. */
export const fetchFrames: FramePages = async (runId, afterSeq, limit) => {
  const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/frames?afterSeq=${afterSeq}&limit=${limit}`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`could not load frames (${response.status})`);
  return (await response.json()) as { frames: Frame[]; nextAfterSeq: number };
};

/** Pages from the start of the run until the frames the socket already gave (the timeline skips duplicates). */
export async function backfillStart(pages: FramePages, store: WorkspaceStore, runId: string, budget: { left: number }, cancelled: () => boolean): Promise<void> {
  const run = store.get(runId);
  if (!run) return;
  let afterSeq = 0;
  while (!cancelled() && run.timeline.missesEarlyFrames && afterSeq < run.timeline.lowestSeq) {
    if (budget.left <= 0) {
      store.markHistoryLimited();
      return;
    }
    const page = await pages(runId, afterSeq, Math.min(PAGE, budget.left));
    if (page.frames.length === 0) return;
    budget.left -= page.frames.length;
    store.ingest(runId, page.frames);
    afterSeq = page.nextAfterSeq;
  }
}

/** Frames fromSeq..toSeq (inclusive; toSeq Infinity: up to now) of a run, from the database. */
export async function backfillRange(
  pages: FramePages,
  store: WorkspaceStore,
  runId: string,
  fromSeq: number,
  toSeq: number,
  budget: { left: number },
  cancelled: () => boolean,
): Promise<void> {
  let afterSeq = fromSeq - 1;
  while (!cancelled() && afterSeq < toSeq && budget.left > 0) {
    const page = await pages(runId, afterSeq, Math.min(PAGE, budget.left, Number.isFinite(toSeq) ? toSeq - afterSeq : PAGE));
    if (page.frames.length === 0) return;
    budget.left -= page.frames.length;
    store.ingest(runId, page.frames);
    afterSeq = page.nextAfterSeq;
  }
}

/** The batch all these runs share, when they are the runs of one approval on several hosts. */
export function sharedBatch(runs: readonly RunSnapshotWithOrigin[]): string | null {
  const first = runs[0]?.origin;
  if (runs.length < 2 || first?.kind !== "live") return null;
  return runs.every((run) => run.origin.kind === "live" && run.origin.batchId === first.batchId) ? first.batchId : null;
}
