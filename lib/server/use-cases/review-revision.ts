import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { MAX_REASON_LENGTH } from "@/lib/shared/limits.ts";
import type { RunOrder } from "@/lib/shared/run-order.ts";
import type { Envelope } from "@/lib/shared/dsse.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { isUniqueViolation } from "@/lib/server/db/errors.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { getRevision, insertReview, transitionRevision } from "@/lib/server/data/programs.ts";
import { insertRun } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";
import { signedLimits } from "./run-limits.ts";

export const reviewRevisionInput = z.object({
  decision: z.enum(["approve", "reject"], { error: 'The decision is "approve" or "reject".' }),
  reason: z
    .string({ error: "A decision needs a written reason." })
    .trim()
    .min(1, "A decision needs a written reason.")
    .max(MAX_REASON_LENGTH, `A reason is at most ${MAX_REASON_LENGTH} characters.`),
});

export type ReviewRevisionInput = z.infer<typeof reviewRevisionInput>;

export type ReviewDeps = {
  signRunOrder(order: RunOrder): Envelope;
  now(): Date;
  runOrderTtlSec: number;
};

export type ReviewOutcome = { reviewId: string; status: "APPROVED" | "REJECTED"; runIds: string[] };

/**
 * Approves or rejects a pending revision. On approval the server signs one run
 * order per target host with exactly what will run and queues it. Everything
 * happens in one transaction; the status moves only from PENDING, so of two
 * reviewers deciding at once exactly one decision takes effect.
 */
export async function reviewRevision(
  db: Db,
  actor: Actor,
  revisionId: string,
  input: ReviewRevisionInput,
  deps: ReviewDeps,
): Promise<ReviewOutcome> {
  authorize(actor, "revision.review");
  try {
    return await db.$transaction(async (tx) => {
      const revision = await getRevision(tx, revisionId);
      if (!revision) throw new AppError("NOT_FOUND", "No such revision.");
      if (revision.authorId === actor.id) {
        throw new AppError("UNPROCESSABLE", "You wrote this revision; someone else has to review it.");
      }
      if (revision.status !== "PENDING") {
        throw new AppError("CONFLICT", `This revision is already ${revision.status.toLowerCase()}.`);
      }
      const decision = input.decision === "approve" ? "APPROVE" : "REJECT";
      const status = decision === "APPROVE" ? "APPROVED" : "REJECTED";
      const review = await insertReview(tx, { revisionId, reviewerId: actor.id, decision, reason: input.reason });
      if (!(await transitionRevision(tx, revisionId, "PENDING", status))) {
        throw new AppError("CONFLICT", "Another review decided this revision first.");
      }
      const who = { type: "user" as const, id: actor.id, name: actor.name };
      await appendAudit(tx, {
        actor: who,
        action: decision === "APPROVE" ? "revision.approve" : "revision.reject",
        target: { type: "revision", id: revisionId },
        fromState: "PENDING",
        toState: status,
        reason: input.reason,
        contentHash: revision.contentHash,
        data: { reviewId: review.id },
      });
      const runIds: string[] = [];
      if (decision === "APPROVE") {
        const issuedAt = deps.now();
        const expiresAt = new Date(issuedAt.getTime() + deps.runOrderTtlSec * 1000);
        for (const host of revision.targets) {
          const runId = randomUUID();
          const order: RunOrder = {
            v: 1,
            runId,
            host: host.name,
            program: {
              id: revision.program.id,
              name: revision.program.name,
              revisionId: revision.id,
              revision: revision.number,
              contentHash: revision.contentHash,
              source: revision.source,
            },
            limits: signedLimits(revision),
            approval: { id: review.id, by: actor.name, at: review.createdAt.toISOString() },
            issuedAt: issuedAt.toISOString(),
            expiresAt: expiresAt.toISOString(),
          };
          const envelope = deps.signRunOrder(order);
          await insertRun(tx, { id: runId, revisionId, hostId: host.id, approvalId: review.id, envelope, expiresAt });
          await appendAudit(tx, {
            actor: { type: "system" },
            action: "run.sign",
            target: { type: "run", id: runId },
            toState: "QUEUED",
            contentHash: revision.contentHash,
            data: { host: host.name, revisionId, approvalId: review.id, keyId: envelope.signatures[0]?.keyid ?? null },
          });
          await notifyAfterCommit(tx, { type: "run.queued", runId, hostId: host.id });
          runIds.push(runId);
        }
      }
      return { reviewId: review.id, status, runIds };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "You have already reviewed this revision.");
    throw error;
  }
}
