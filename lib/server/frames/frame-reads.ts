import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import { decodeFrameData, deriveDelta, type DecodedFrame, type NameKind } from "./frame-codec.ts";
import { findRunFrameState, runFrameStateOf, UnknownNameError, type RunFrameState } from "./frame-run-state.ts";
import { prismaQuery } from "./frame-store.ts";
import { logWarn } from "@/lib/server/log.ts";

// Stored frames back to what the agent sent (frame-store.ts writes them):
// whatever the encoding leaves out (names, bucket bounds, a derivable delta)
// is put back here. Bulk reads for exports and comparisons are in frame-history.ts.

export type FrameRow = { seq: number; at: Date; data: Uint8Array };
export const frameRowSelect = { seq: true, at: true, data: true } as const;

/**
 * Stored rows of one run back to frames, in the rows' order. A derived delta
 * needs the map's previous print: from these rows, or read for it.
 */
export async function decodeFrames(db: Db, runId: string, state: RunFrameState, rows: FrameRow[]): Promise<Frame[]> {
  if (rows.length === 0) return [];
  const decoded = await withKnownNames(db, state, () => rows.map((row) => decodeFrameData(row.data, state, row.seq)));
  const records = new Map(rows.map((row, i) => [row.seq, decoded[i]!.record]));
  const missing = [...new Set(decoded.flatMap((frame) => (frame.deltaFromSeq !== undefined && !records.has(frame.deltaFromSeq) ? [frame.deltaFromSeq] : [])))];
  if (missing.length > 0) {
    const earlier = await db.frame.findMany({ where: { runKey: state.runKey, seq: { in: missing } }, select: { seq: true, data: true } });
    const prints = await withKnownNames(db, state, () => earlier.map((row) => decodeFrameData(row.data, state, row.seq).record));
    earlier.forEach((row, i) => records.set(row.seq, prints[i]!));
  }
  return rows.map((row, i) => toFrame(runId, row, decoded[i]!, records));
}

/** Decodes with the names this process knows, reading the run's newer names first if the rows use one. */
async function withKnownNames<T>(db: Db, state: RunFrameState, decode: () => T): Promise<T> {
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof UnknownNameError)) throw error;
    // A stored frame's names were stored with it, so reading them now finds every one.
    await state.sync(db);
    return decode();
  }
}

function toFrame(runId: string, row: FrameRow, decoded: DecodedFrame, records: Map<number, Frame["record"]>): Frame {
  const frame: Frame = { runId, seq: row.seq, at: row.at.getTime(), record: decoded.record };
  if (decoded.delta) frame.delta = decoded.delta;
  if (decoded.deltaFromSeq !== undefined) {
    const previous = records.get(decoded.deltaFromSeq);
    // Retention deletes a run's newest frames first, so a stored frame's previous print is always stored
    // too; should it not be, the frame reads back without its delta rather than failing the reader.
    try {
      if (previous?.type !== "hist") throw new Error(`frame ${decoded.deltaFromSeq} is not a stored histogram`);
      frame.delta = deriveDelta(previous, decoded.record as HistRecord);
    } catch (error) {
      logWarn("could not derive a stored frame's delta; read without it", { runId, seq: row.seq, from: decoded.deltaFromSeq, error: String(error) });
    }
  }
  return frame;
}

export async function listFrames(db: Db, runId: string, options: { afterSeq: number; limit: number }): Promise<Frame[]> {
  const state = await findRunFrameState(db, runId);
  if (!state) return [];
  const rows = await db.frame.findMany({
    where: { runKey: state.runKey, seq: { gt: options.afterSeq } },
    orderBy: { seq: "asc" },
    take: options.limit,
    select: frameRowSelect,
  });
  return decodeFrames(db, runId, state, rows);
}

/** The most recent frames of a run, oldest first. */
export async function listLatestFrames(db: Db, runId: string, limit: number): Promise<Frame[]> {
  const state = await findRunFrameState(db, runId);
  if (!state) return [];
  const rows = await db.frame.findMany({
    where: { runKey: state.runKey },
    orderBy: { seq: "desc" },
    take: limit,
    select: frameRowSelect,
  });
  return decodeFrames(db, runId, state, rows.reverse());
}

/**
 * The latest `perRun` frames of each of many runs (a fleet's snapshot), oldest
 * first within each run, in a fixed number of queries whatever the number of
 * runs: their keys, their names, their rows, and the earlier prints any
 * derived delta needs.
 */
export async function listLatestFramesOfRuns(db: Db, runIds: readonly string[], perRun: number): Promise<Frame[]> {
  if (runIds.length === 0 || perRun <= 0) return [];
  const query = prismaQuery(db);
  const keys = await query<{ id: string; frameKey: number }>(`SELECT "id", "frameKey" FROM "Run" WHERE "id" = ANY($1::text[])`, [runIds]);
  const states = new Map(keys.map((run) => [run.frameKey, { runId: run.id, state: runFrameStateOf(db, run.id, run.frameKey) }]));
  const unsynced = [...states.values()].filter(({ state }) => !state.synced).map(({ state }) => state);
  if (unsynced.length > 0) {
    const names = await query<{ runKey: number; id: number; kind: number; text: string }>(
      `SELECT "runKey", "id", "kind", "text" FROM "FrameName" WHERE "runKey" = ANY($1::int[]) ORDER BY "runKey", "id"`,
      [unsynced.map((state) => state.runKey)],
    );
    const byRun = groupByRun(names);
    for (const state of unsynced) await state.sync(async () => (byRun.get(state.runKey) ?? []).map(({ id, kind, text }) => ({ id, kind: kind as NameKind, text })));
  }
  const rows = await query<{ runKey: number; seq: number; at: Date; data: Uint8Array }>(
    `SELECT k."runKey", f."seq", f."at", f."data"
     FROM unnest($1::int[]) AS k("runKey")
     CROSS JOIN LATERAL (SELECT "seq", "at", "data" FROM "Frame" WHERE "runKey" = k."runKey" ORDER BY "seq" DESC LIMIT $2) f`,
    [[...states.keys()], perRun],
  );
  const rowsByRun = groupByRun(rows);
  const decoded = new Map<number, { row: FrameRow; frame: DecodedFrame }[]>();
  const wanted: { runKey: number; seq: number }[] = [];
  for (const [runKey, runRows] of rowsByRun) {
    const { state } = states.get(runKey)!;
    const ordered = runRows.sort((a, b) => a.seq - b.seq);
    const frames = await withKnownNames(db, state, () => ordered.map((row) => ({ row, frame: decodeFrameData(row.data, state, row.seq) })));
    decoded.set(runKey, frames);
    const seqs = new Set(ordered.map((row) => row.seq));
    for (const { frame } of frames) if (frame.deltaFromSeq !== undefined && !seqs.has(frame.deltaFromSeq)) wanted.push({ runKey, seq: frame.deltaFromSeq });
  }
  const earlier =
    wanted.length === 0
      ? []
      : await query<{ runKey: number; seq: number; data: Uint8Array }>(
          `SELECT f."runKey", f."seq", f."data" FROM unnest($1::int[], $2::int[]) AS w("runKey", "seq") JOIN "Frame" f ON f."runKey" = w."runKey" AND f."seq" = w."seq"`,
          [wanted.map((w) => w.runKey), wanted.map((w) => w.seq)],
        );
  const earlierByRun = groupByRun(earlier);
  const frames: Frame[] = [];
  for (const [runKey, runFrames] of decoded) {
    const { runId, state } = states.get(runKey)!;
    const records = new Map(runFrames.map(({ row, frame }) => [row.seq, frame.record]));
    for (const row of earlierByRun.get(runKey) ?? []) records.set(row.seq, decodeFrameData(row.data, state, row.seq).record);
    for (const { row, frame } of runFrames) frames.push(toFrame(runId, row, frame, records));
  }
  return frames;
}

/** Rows by their run key (Map.groupBy is Node 21's). */
function groupByRun<T extends { runKey: number }>(rows: readonly T[]): Map<number, T[]> {
  const byRun = new Map<number, T[]>();
  for (const row of rows) {
    const list = byRun.get(row.runKey);
    if (list) list.push(row);
    else byRun.set(row.runKey, [row]);
  }
  return byRun;
}
