import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { deleteNewestFrames, listRunsToPrune, markFramesPruned } from "@/lib/server/frames/frame-retention.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";

/** Frames deleted per statement: a few milliseconds of work, so no lock is held for long. */
const FRAMES_PER_STEP = 5_000;
/** Frames deleted and runs visited per sweep at most; the next sweep goes on where this one stopped. */
const FRAMES_PER_SWEEP = 200_000;
const RUNS_PER_SWEEP = 1_000;
const RUNS_PER_QUERY = 20;

/**
 * The retention sweep (WORKBENCH_FRAME_RETENTION_DAYS; 0 keeps everything):
 * deletes the frames of runs that ended more than `retentionDays` ago, in
 * steps, except those of runs attached to an incident, whose evidence stays.
 * Each run keeps a note that its frames were deleted, which its page shows.
 * A run attached to an incident while its frames were being deleted keeps
 * the rest, and the note. Runs periodically; `signal` stops it between steps.
 */
export async function pruneRunFrames(db: Db, options: { retentionDays: number; now?: Date; signal?: AbortSignal }): Promise<{ runs: number; frames: number }> {
  const done = { runs: 0, frames: 0 };
  if (options.retentionDays === 0) return done;
  const now = options.now ?? new Date();
  const endedBefore = new Date(now.getTime() - options.retentionDays * 86_400_000);
  const seen = new Set<string>();
  for (;;) {
    const runs = (await listRunsToPrune(db, endedBefore, RUNS_PER_QUERY)).filter((run) => !seen.has(run.id));
    if (runs.length === 0 || seen.size >= RUNS_PER_SWEEP) return done;
    for (const { id } of runs) {
      seen.add(id);
      let deleted = 0;
      for (;;) {
        if (done.frames >= FRAMES_PER_SWEEP || options.signal?.aborted) return done;
        const step = await deleteNewestFrames(db, id, FRAMES_PER_STEP);
        if (step === null) {
          if (deleted > 0) await notePruned(db, id, now, false, options.retentionDays);
          break;
        }
        deleted += step;
        done.frames += step;
        if (step < FRAMES_PER_STEP) {
          if (await notePruned(db, id, now, true, options.retentionDays)) done.runs += 1;
          break;
        }
      }
    }
  }
}

async function notePruned(db: Db, runId: string, at: Date, complete: boolean, retentionDays: number): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const run = await markFramesPruned(db, tx, runId, at, complete);
    if (!run) return false;
    // A run that never had frames (it expired in the queue) is only marked, so the sweep passes it by from now on.
    if (run.lastSeq === 0) return false;
    await appendAudit(tx, {
      actor: { type: "system" },
      action: "run.frames.prune",
      target: { type: "run", id: runId },
      reason: complete
        ? `its frames were deleted ${retentionDays} days after it ended`
        : `its newest frames were deleted ${retentionDays} days after it ended, until it was attached to an incident`,
      data: { retentionDays, complete, lastSeq: run.lastSeq },
    });
    await notifyAfterCommit(tx, { type: "run.changed", runId });
    return true;
  });
}
