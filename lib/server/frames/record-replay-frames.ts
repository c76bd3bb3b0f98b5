import "server-only";
import { z } from "zod";
import { outputRecordSchema } from "@/lib/shared/bpftrace/records.ts";
import { MAX_FRAMES_PER_BATCH, deltaMatchesRecord, deltaRule, frameObjectSchema, framesInOrder, type Frame } from "@/lib/shared/frame.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { insertFrames } from "@/lib/server/frames/frame-store.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findReplayUpload } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

// Frames of a replay are records parsed from a capture (docs/bpftrace-output.md),
// validated in full here: unlike an agent's, they come from a person's file.
// The frame schema is the agents' (lib/shared/frame.ts) without the run id,
// which the URL gives. Records only the agent makes (overhead, gaps) are
// refused, so a replay can never claim a measured overhead.
const replayFrameSchema = frameObjectSchema.omit({ runId: true }).extend({ record: outputRecordSchema }).refine(deltaMatchesRecord, deltaRule);

export const replayFramesSchema = z
  .object({
    frames: z
      .array(replayFrameSchema)
      .min(1, "Send at least one frame.")
      .max(MAX_FRAMES_PER_BATCH, `Send at most ${MAX_FRAMES_PER_BATCH} frames at a time.`)
      .refine(framesInOrder, "Frames must be in increasing seq order."),
  })
  .strict();
export type ReplayFrames = z.infer<typeof replayFramesSchema>;

/** Stores a batch of a replay's frames; only its uploader may, and only until it ends. A resent batch is stored once. */
export async function recordReplayFrames(db: Db, actor: Actor, runId: string, batch: ReplayFrames): Promise<{ stored: number; lastSeq: number }> {
  authorize(actor, "replay.create");
  const upload = await findReplayUpload(db, runId);
  if (!upload || upload.kind !== "REPLAY") throw new AppError("NOT_FOUND", "No such replay.");
  if (upload.uploadedById !== actor.id) throw new AppError("FORBIDDEN", "Only the person uploading a replay can add frames to it.");
  if (upload.status === "ENDED") throw new AppError("CONFLICT", "This replay has ended; start a new one.");
  const seqs = batch.frames.map((frame) => frame.seq);
  const frames: Frame[] = batch.frames.map((frame) => ({ runId, ...frame }));
  const stored = await insertFrames(db, runId, frames);
  if (stored > 0) {
    await db.$transaction(async (tx) => notifyAfterCommit(tx, { type: "run.frames-stored", runId, fromSeq: seqs[0]!, toSeq: seqs.at(-1)! }));
  }
  return { stored, lastSeq: Math.max(upload.lastSeq, seqs.at(-1)!) };
}
