import "server-only";
import { z } from "zod";
import { MAX_REASON_LENGTH } from "@/lib/shared/input-limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findReview, getRevision, lockRevision, markReviewRevoked, transitionRevision } from "@/lib/server/data/programs.ts";
import { listRunsOfRevision, markStopRequested, stopQueuedRun } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

export const revokeApprovalInput = z.object({
  reason: z
    .string({ error: "Revoking needs a written reason." })
    .trim()
    .min(1, "Revoking needs a written reason.")
    .max(MAX_REASON_LENGTH, `A reason is at most ${MAX_REASON_LENGTH} characters.`),
});

export type RevokeApprovalInput = z.infer<typeof revokeApprovalInput>;

/**
 * Withdraws an approval. If the revision was approved, the approval no longer
 * stands: runs that have not started end and never start; running ones are
 * told to stop, and end "revoked by X: reason". Under the revision's row lock,
 * and with the same conditional updates as a user's stop, so a revoke racing
 * an agent's start ends in exactly one of the two states.
 */
export async function revokeApproval(
  db: Db,
  actor: Actor,
  reviewId: string,
  input: RevokeApprovalInput,
  now = new Date(),
): Promise<{ revisionStatus: string; stoppedRuns: number; endedRuns: number }> {
  authorize(actor, "approval.revoke");
  return db.$transaction(async (tx) => {
    const found = await findReview(tx, reviewId);
    if (!found) throw new AppError("NOT_FOUND", "No such review.");
    if (found.decision !== "APPROVE") throw new AppError("UNPROCESSABLE", "Only an approval can be revoked.");
    await lockRevision(tx, found.revisionId);
    if (!(await markReviewRevoked(tx, reviewId, { userId: actor.id, reason: input.reason, at: now }))) {
      throw new AppError("CONFLICT", "This approval is already revoked.");
    }
    const revision = (await getRevision(tx, found.revisionId))!;
    const who = userActor(actor);
    await appendAudit(tx, {
      actor: who,
      action: "approval.revoke",
      target: { type: "revision", id: revision.id },
      fromState: revision.status,
      toState: revision.status === "APPROVED" ? "REVOKED" : revision.status,
      reason: input.reason,
      contentHash: revision.contentHash,
      data: { reviewId, approvedBy: found.reviewerName },
    });
    let stoppedRuns = 0;
    let endedRuns = 0;
    if (revision.status === "APPROVED") {
      await transitionRevision(tx, revision.id, "APPROVED", "REVOKED");
      const detail = `revoked by ${actor.name}: ${input.reason}`;
      for (const run of await listRunsOfRevision(tx, revision.id)) {
        if (await stopQueuedRun(tx, run.id, detail, now, "REVOKED")) {
          endedRuns++;
        } else if (await markStopRequested(tx, run.id, { userId: actor.id, reason: detail, at: now })) {
          stoppedRuns++;
          await notifyAfterCommit(tx, { type: "run.stop-requested", runId: run.id, hostId: run.hostId, cause: "revoked", reason: detail });
        } else {
          continue;
        }
        await appendAudit(tx, { actor: who, action: "run.revoke", target: { type: "run", id: run.id }, reason: detail });
        await notifyAfterCommit(tx, { type: "run.changed", runId: run.id });
      }
    }
    return { revisionStatus: revision.status === "APPROVED" ? "REVOKED" : revision.status, stoppedRuns, endedRuns };
  });
}
