import "server-only";
import { z } from "zod";
import { outputRecordSchema, type HistRecord, type OutputRecord } from "@/lib/shared/bpftrace/records.ts";
import { MAX_FRAMES_PER_BATCH, type Frame } from "@/lib/shared/frame.ts";
import { MAX_STORED_INT } from "@/lib/shared/limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { insertFrames } from "@/lib/server/data/frames.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findReplayUpload } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

// Frames of a replay are records parsed from a capture (docs/bpftrace-output.md),
// validated in full here: unlike an agent's, they come from a person's file.
// Records only the agent makes (overhead, gaps) are refused, so a replay can
// never claim a measured overhead.
const histRecordSchema = outputRecordSchema.refine((record) => record.type === "hist", "a delta is a hist record") as z.ZodType<HistRecord>;

export const replayFramesSchema = z
  .object({
    frames: z
      .array(
        z
          .object({
            seq: z.number().int().positive().max(MAX_STORED_INT, `A frame number is at most ${MAX_STORED_INT}.`),
            at: z.number().int().min(0).max(8.64e15),
            record: outputRecordSchema,
            delta: histRecordSchema.optional(),
          })
          .strict(),
      )
      .min(1, "Send at least one frame.")
      .max(MAX_FRAMES_PER_BATCH, `Send at most ${MAX_FRAMES_PER_BATCH} frames at a time.`),
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
  if (seqs.some((seq, i) => i > 0 && seq <= seqs[i - 1]!)) throw new AppError("BAD_REQUEST", "Frames must be in increasing seq order.");
  const frames: Frame[] = batch.frames.map((frame) => ({
    runId,
    seq: frame.seq,
    at: frame.at,
    record: frame.record as OutputRecord,
    ...(frame.delta ? { delta: frame.delta } : {}),
  }));
  const stored = await insertFrames(db, runId, frames);
  if (stored > 0) {
    await db.$transaction(async (tx) => notifyAfterCommit(tx, { type: "run.frames-stored", runId, fromSeq: seqs[0]!, toSeq: seqs.at(-1)! }));
  }
  return { stored, lastSeq: Math.max(upload.lastSeq, seqs.at(-1)!) };
}
