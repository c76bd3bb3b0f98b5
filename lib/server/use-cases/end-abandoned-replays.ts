import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { endAbandonedReplayUploads } from "@/lib/server/data/runs.ts";

/**
 * Ends replays whose upload did not finish within its window (the tool
 * uploading it died or gave up), so they stop showing as running; what was
 * uploaded stays. Runs periodically, with the retention sweep.
 */
export async function endAbandonedReplays(db: Db, now = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    const ended = await endAbandonedReplayUploads(tx, now);
    for (const run of ended) {
      await appendAudit(tx, {
        actor: { type: "system" },
        action: "replay.abandon",
        target: { type: "run", id: run.id },
        fromState: "RUNNING",
        toState: "ENDED",
        reason: "the upload did not finish within its window",
        data: { lastSeq: run.lastSeq },
      });
      await notifyAfterCommit(tx, { type: "run.changed", runId: run.id });
    }
    return ended.length;
  });
}
