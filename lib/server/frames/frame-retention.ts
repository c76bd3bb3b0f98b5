import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import { forgetRunFrameState } from "./frame-run-state.ts";

// Deleting the frames of old runs (lib/server/use-cases/prune-run-frames.ts).
// Each step is a short transaction of its own, so the sweep never holds a
// lock for long, and takes the run's row first: attaching a run to an
// incident checks that row (a foreign key), so an attach waits for the step
// in progress, and the step after it sees the attachment and stops.

/** Ended runs whose frames are still kept, that ended before `endedBefore` and that no incident holds; longest ended first. */
export async function listRunsToPrune(db: Db, endedBefore: Date, limit: number): Promise<{ id: string }[]> {
  return db.run.findMany({
    where: { framesPrunedAt: null, status: "ENDED", endedAt: { lt: endedBefore }, incidents: { none: {} } },
    orderBy: { endedAt: "asc" },
    take: limit,
    select: { id: true },
  });
}

/**
 * Deletes up to `limit` of the run's newest frames. Newest first, so the
 * frames left always hold the previous prints their deltas derive from
 * (frame-codec.ts). Returns how many were deleted, or null when an incident
 * holds the run (or it is gone).
 */
export async function deleteNewestFrames(db: Db, runId: string, limit: number): Promise<number | null> {
  return db.$transaction(async (tx) => {
    const frameKey = await lockRunUnlessHeld(tx, runId);
    if (frameKey === null) return null;
    return tx.$executeRaw`
      DELETE FROM "Frame" WHERE "runKey" = ${frameKey} AND "seq" IN (
        SELECT "seq" FROM "Frame" WHERE "runKey" = ${frameKey} ORDER BY "seq" DESC LIMIT ${limit}::int)`;
  });
}

/**
 * Notes on the run that its frames were deleted, so its page says so. When
 * `complete`, also deletes any frame stored since the last step and the
 * run's frame names; new frames for it are refused from now on
 * (insertFrames). Returns the run's lastSeq (0: it never had frames), or
 * null when the run was already marked or is gone.
 */
export async function markFramesPruned(db: Db, tx: Tx, runId: string, at: Date, complete: boolean): Promise<{ lastSeq: number } | null> {
  const [run] = await tx.$queryRaw<{ frameKey: number; lastSeq: number }[]>`
    SELECT "frameKey", "lastSeq" FROM "Run" WHERE "id" = ${runId} AND "framesPrunedAt" IS NULL FOR UPDATE`;
  if (!run) return null;
  if (complete) {
    await tx.frame.deleteMany({ where: { runKey: run.frameKey } });
    await tx.frameName.deleteMany({ where: { runKey: run.frameKey } });
    forgetRunFrameState(db, runId);
  }
  await tx.run.update({ where: { id: runId }, data: { framesPrunedAt: at }, select: { id: true } });
  return { lastSeq: run.lastSeq };
}

/** Locks the run's row; its frame key, or null if an incident holds the run or there is no such run. */
async function lockRunUnlessHeld(tx: Tx, runId: string): Promise<number | null> {
  const [run] = await tx.$queryRaw<{ frameKey: number }[]>`SELECT "frameKey" FROM "Run" WHERE "id" = ${runId} FOR UPDATE`;
  if (!run) return null;
  const held = await tx.incidentRun.count({ where: { runId } });
  return held > 0 ? null : run.frameKey;
}
