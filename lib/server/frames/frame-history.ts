import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { isWellFormedFrame, type Frame } from "@/lib/shared/frame.ts";
import { NAME_KINDS } from "./frame-codec.ts";
import { findRunFrameState } from "./frame-run-state.ts";
import { decodeFrames, frameRowSelect } from "./frame-reads.ts";

// Reading stored frames back in bulk, for exports and comparisons. Frames are
// written only by frame-store.ts and group-commit.ts; this file never writes.

/** Every frame of a run in order, read in batches so memory stays flat however long the run. */
export async function* streamRunFrames(db: Db, runId: string, batchSize = 2000): AsyncGenerator<Frame> {
  const state = await findRunFrameState(db, runId);
  if (!state) return;
  let afterSeq = 0;
  for (;;) {
    const rows = await db.frame.findMany({
      where: { runKey: state.runKey, seq: { gt: afterSeq } },
      orderBy: { seq: "asc" },
      take: batchSize,
      select: frameRowSelect,
    });
    yield* await decodeFrames(db, runId, state, rows);
    if (rows.length < batchSize) return;
    afterSeq = rows.at(-1)!.seq;
  }
}

/** The histogram frames of one map of a run, in order, optionally only those read within [from, to]. */
export async function listHistFramesOfMap(db: Db, runId: string, map: string, range: { from?: Date; to?: Date } = {}): Promise<Frame[]> {
  const state = await findRunFrameState(db, runId);
  if (!state) return [];
  if (state.find(NAME_KINDS.histMap, map) === undefined) await state.sync(db);
  const mapId = state.find(NAME_KINDS.histMap, map);
  if (mapId === undefined) return [];
  const rows = await db.frame.findMany({
    where: {
      runKey: state.runKey,
      map: mapId,
      ...(range.from || range.to ? { at: { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lte: range.to } : {}) } } : {}),
    },
    orderBy: { seq: "asc" },
    select: frameRowSelect,
  });
  // A print stored before frames were validated in full, and malformed, is left out: a comparison never fails on it.
  return (await decodeFrames(db, runId, state, rows)).filter((frame) => frame.record.type === "hist" && isWellFormedFrame(frame));
}

/** Names of the histogram maps the runs printed. */
export async function listHistMapNames(db: Db, runIds: string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await db.frameName.findMany({
    where: { kind: NAME_KINDS.histMap, run: { id: { in: runIds } } },
    distinct: ["text"],
    orderBy: { text: "asc" },
    select: { text: true },
  });
  return rows.map((row) => row.text);
}
