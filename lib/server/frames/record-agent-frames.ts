import "server-only";
import type { RunFrames } from "@/lib/shared/socket-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { insertFrames } from "@/lib/server/frames/frame-store.ts";
import { findRunHost } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

/**
 * Stores a batch of frames from the run's own agent before it is
 * acknowledged; duplicates (a batch resent after a lost acknowledgement) are
 * skipped. `ackSeq` is the highest seq of the batch, now stored: the agent
 * forgets the batch only when it reads it.
 */
export async function recordFrames(db: Db, agent: AgentIdentity, batch: RunFrames): Promise<{ stored: number; ackSeq: number }> {
  const run = await findRunHost(db, batch.runId);
  if (!run || run.hostId !== agent.hostId) throw new AppError("NOT_FOUND", "No such run for this host.");
  if (run.status === "QUEUED") throw new AppError("CONFLICT", "The run has not started.");
  if (batch.frames.some((frame) => frame.runId !== batch.runId)) {
    throw new AppError("BAD_REQUEST", "Every frame of a batch must belong to the batch's run.");
  }
  const stored = await insertFrames(db, batch.runId, batch.frames);
  return { stored, ackSeq: batch.frames.reduce((max, frame) => Math.max(max, frame.seq), 0) };
}
