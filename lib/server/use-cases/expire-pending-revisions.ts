import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { expirePendingRevisions as markExpired } from "@/lib/server/data/programs.ts";

/** Closes review requests nobody decided within the review window; runs periodically. */
export async function expirePendingRevisions(db: Db, now = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    const expired = await markExpired(tx, now);
    for (const revision of expired) {
      await appendAudit(tx, {
        actor: { type: "system" },
        action: "revision.expire",
        target: { type: "revision", id: revision.id },
        fromState: "PENDING",
        toState: "EXPIRED",
        contentHash: revision.contentHash,
      });
    }
    return expired.length;
  });
}
