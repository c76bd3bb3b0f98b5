import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import type { Frame, FrameRecord } from "@/lib/shared/frame.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";

/**
 * Stores frames; a (runId, seq) already stored is skipped, which is what makes
 * an agent's resend after a lost acknowledgement harmless. Returns how many
 * were new. The run's lastSeq only ever grows.
 */
export async function insertFrames(db: Db, runId: string, frames: Frame[]): Promise<number> {
  if (frames.length === 0) return 0;
  const maxSeq = frames.reduce((max, f) => Math.max(max, f.seq), 0);
  const [inserted] = await db.$transaction([
    db.frame.createMany({
      data: frames.map((f) => ({
        runId,
        seq: f.seq,
        at: new Date(f.at),
        kind: f.record.type,
        payload: f.record as object,
        ...(f.delta ? { delta: f.delta as object } : {}),
      })),
      skipDuplicates: true,
    }),
    db.run.updateMany({ where: { id: runId, lastSeq: { lt: maxSeq } }, data: { lastSeq: maxSeq } }),
  ]);
  return inserted.count;
}

export async function listFrames(db: Db, runId: string, options: { afterSeq: number; limit: number }): Promise<Frame[]> {
  const rows = await db.frame.findMany({
    where: { runId, seq: { gt: options.afterSeq } },
    orderBy: { seq: "asc" },
    take: options.limit,
    select: frameSelect,
  });
  return rows.map((row) => toFrame(runId, row));
}

/** The most recent frames of a run, oldest first. */
export async function listLatestFrames(db: Db, runId: string, limit: number): Promise<Frame[]> {
  const rows = await db.frame.findMany({
    where: { runId },
    orderBy: { seq: "desc" },
    take: limit,
    select: frameSelect,
  });
  return rows.reverse().map((row) => toFrame(runId, row));
}

const frameSelect = { seq: true, at: true, payload: true, delta: true } as const;

function toFrame(runId: string, row: { seq: number; at: Date; payload: unknown; delta: unknown }): Frame {
  const frame: Frame = { runId, seq: row.seq, at: row.at.getTime(), record: row.payload as FrameRecord };
  if (row.delta) frame.delta = row.delta as HistRecord;
  return frame;
}
