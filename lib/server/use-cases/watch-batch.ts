import "server-only";
import type { Frame } from "@/lib/shared/frame.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listLatestFramesOfRuns } from "@/lib/server/frames/frame-reads.ts";
import { listRunSnapshots } from "@/lib/server/data/run-snapshots.ts";
import { AppError } from "@/lib/server/errors.ts";
import { SNAPSHOT_FRAMES } from "./watch-run.ts";

/** The most runs one approval can sign (WORKBENCH_MAX_HOSTS_PER_APPROVAL's ceiling). */
export const MAX_BATCH_RUNS = 5000;
/**
 * Frames in one batch snapshot, shared among its runs: a few hosts get a run's
 * full SNAPSHOT_FRAMES each, a fleet each host's latest few (enough for the
 * latest print of its histograms, about 3 MB for 2,000 hosts).
 */
const SNAPSHOT_FRAME_BUDGET = 6000;
const MIN_FRAMES_PER_RUN = 3;

export type BatchSnapshotWithOrigin = { runs: RunSnapshotWithOrigin[]; frames: Frame[]; framesPerRun: number };

/** What a viewer of a whole batch (the runs one approval signed) needs to start: every run's state and its latest frames. */
export async function watchBatch(db: Db, actor: Actor, batchId: string): Promise<BatchSnapshotWithOrigin> {
  authorize(actor, "run.read");
  const runs = await listRunSnapshots(db, { batchId, take: MAX_BATCH_RUNS });
  if (runs.length === 0) throw new AppError("NOT_FOUND", "No runs were signed by this approval.");
  const framesPerRun = Math.min(SNAPSHOT_FRAMES, Math.max(MIN_FRAMES_PER_RUN, Math.floor(SNAPSHOT_FRAME_BUDGET / runs.length)));
  const frames = await listLatestFramesOfRuns(
    db,
    runs.filter((run) => run.lastSeq > 0).map((run) => run.id),
    framesPerRun,
  );
  return { runs, frames, framesPerRun };
}
