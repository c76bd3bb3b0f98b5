import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import type { Frame, FrameRecord } from "@/lib/shared/frame.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";

// Reading stored frames back in bulk, for exports and comparisons. Frames are
// written only by lib/server/data/frames.ts; this file never writes.

const frameSelect = { seq: true, at: true, payload: true, delta: true } as const;

function toFrame(runId: string, row: { seq: number; at: Date; payload: unknown; delta: unknown }): Frame {
  const frame: Frame = { runId, seq: row.seq, at: row.at.getTime(), record: row.payload as FrameRecord };
  if (row.delta) frame.delta = row.delta as HistRecord;
  return frame;
}

/** Every frame of a run in order, read in batches so memory stays flat however long the run. */
export async function* streamRunFrames(db: Db, runId: string, batchSize = 2000): AsyncGenerator<Frame> {
  let afterSeq = 0;
  for (;;) {
    const rows = await db.frame.findMany({
      where: { runId, seq: { gt: afterSeq } },
      orderBy: { seq: "asc" },
      take: batchSize,
      select: frameSelect,
    });
    for (const row of rows) yield toFrame(runId, row);
    if (rows.length < batchSize) return;
    afterSeq = rows.at(-1)!.seq;
  }
}

/** The histogram frames of one map of a run, in order, optionally only those read within [from, to]. */
export async function listHistFramesOfMap(db: Db, runId: string, map: string, range: { from?: Date; to?: Date } = {}): Promise<Frame[]> {
  const rows = await db.frame.findMany({
    where: {
      runId,
      kind: "hist",
      payload: { path: ["map"], equals: map },
      ...(range.from || range.to ? { at: { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lte: range.to } : {}) } } : {}),
    },
    orderBy: { seq: "asc" },
    select: frameSelect,
  });
  return rows.map((row) => toFrame(runId, row));
}

/** Names of the histogram maps a run printed, from its newest histogram frames. */
export async function listHistMapNames(db: Db, runIds: string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await db.$queryRaw<{ map: string }[]>`
    SELECT DISTINCT payload->>'map' AS map FROM "Frame"
    WHERE "runId" = ANY(${runIds}) AND kind = 'hist' AND payload ? 'map'
    ORDER BY 1`;
  return rows.map((row) => row.map);
}
