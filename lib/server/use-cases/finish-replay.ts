import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findReplayUpload, markRunEnded } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

export const finishReplaySchema = z
  .object({
    /** When the capture ended, ms since the epoch. */
    endedAt: z.number().int().min(0).max(8.64e15),
    /** Lines of the file that were not bpftrace records (they were left out). */
    skippedLines: z.number().int().min(0).default(0),
  })
  .strict();

/** The upload is complete: the replay ends as COMPLETED, and its page switches to the recorded view. */
export async function finishReplay(db: Db, actor: Actor, runId: string, input: z.infer<typeof finishReplaySchema>): Promise<{ status: "ENDED"; frames: number }> {
  authorize(actor, "replay.create");
  return db.$transaction(async (tx) => {
    const upload = await findReplayUpload(tx, runId);
    if (!upload || upload.kind !== "REPLAY") throw new AppError("NOT_FOUND", "No such replay.");
    if (upload.uploadedById !== actor.id) throw new AppError("FORBIDDEN", "Only the person uploading a replay can end it.");
    const skipped = input.skippedLines > 0 ? `; ${input.skippedLines} lines of the file were not bpftrace records and were left out` : "";
    const detail = `replay of ${upload.lastSeq} frames uploaded by ${actor.name}${skipped}`;
    const ended = await markRunEnded(tx, { runId }, { reason: "COMPLETED", detail, endedAt: new Date(input.endedAt) });
    if (!ended) throw new AppError("CONFLICT", "This replay has already ended.");
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "replay.end",
      target: { type: "run", id: runId },
      fromState: "RUNNING",
      toState: "ENDED",
      reason: detail,
      data: { lastSeq: upload.lastSeq },
    });
    await notifyAfterCommit(tx, { type: "run.changed", runId });
    return { status: "ENDED" as const, frames: upload.lastSeq };
  });
}
