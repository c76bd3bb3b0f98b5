import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { expireQueuedRuns as markExpired } from "@/lib/server/data/runs.ts";

/** Ends queued runs whose signed order expired (their host was offline); runs periodically. */
export async function expireQueuedRuns(db: Db, now = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    const expired = await markExpired(tx, now);
    for (const run of expired) {
      await appendAudit(tx, { actor: { type: "system" }, action: "run.expire", target: { type: "run", id: run.id }, fromState: "QUEUED", toState: "ENDED" });
      await notifyAfterCommit(tx, { type: "run.changed", runId: run.id });
    }
    return expired.length;
  });
}
