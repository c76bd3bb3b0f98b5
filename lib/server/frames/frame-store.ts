import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { isUniqueViolation } from "@/lib/server/db/errors.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import { NAME_KINDS, decodeFrameData, deriveDelta, encodeFrameData, type DecodedFrame, type PreviousPrint } from "./frame-codec.ts";
import { findRunFrameState, UnknownNameError, type RunFrameState } from "./frame-run-state.ts";

// Frames as stored (model Frame; encoding in frame-codec.ts, what the server
// keeps in memory per run in frame-run-state.ts). Every reader gets the frames exactly as the agent sent
// them: whatever the encoding leaves out (names, bucket bounds, a derivable
// delta) is put back here.

/** How many seqs back an insert looks for a map's previous print to derive a delta from; past that, the delta is stored. */
const PREVIOUS_PRINT_LOOKBACK = 5_000;
/** Tries of a batch: the first may fail on what this process did not know yet (see insertFrames). */
const INSERT_ATTEMPTS = 5;

/**
 * Stores frames; a (runId, seq) already stored is skipped, which is what makes
 * an agent's resend after a lost acknowledgement harmless. Returns how many
 * were new. The run's lastSeq only ever grows. Frames of a run whose frames
 * the retention sweep deleted are not stored again.
 *
 * One statement per batch, no transaction held open. The first try trusts
 * what this process knows of the run (frame-run-state.ts): that none of the
 * seqs is stored yet, its names, its maps' latest prints. When that was
 * incomplete (a resend, another process storing for the run, a restart), the
 * statement fails whole on a primary key, or decoding meets a name it does
 * not know, and the next try reads what is stored first. A frame only ever
 * refers to rows that are stored and never change, so whichever batch wins
 * a race, every stored frame reads back as it was sent.
 */
export async function insertFrames(db: Db, runId: string, frames: Frame[]): Promise<number> {
  if (frames.length === 0) return 0;
  const state = await findRunFrameState(db, runId);
  if (!state) return 0;
  const batch = firstOfEachSeq(frames);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await writeFrames(db, state, batch, attempt > 1);
    } catch (error) {
      if (attempt >= INSERT_ATTEMPTS || !(isUniqueViolation(error) || error instanceof UnknownNameError)) throw error;
    }
  }
}

async function writeFrames(db: Db, state: RunFrameState, batch: Frame[], readFirst: boolean): Promise<number> {
  let fresh = batch;
  if (readFirst) {
    const [stored] = await Promise.all([
      db.frame.findMany({ where: { runKey: state.runKey, seq: { in: batch.map((frame) => frame.seq) } }, select: { seq: true } }),
      state.sync(db),
    ]);
    const storedSeqs = new Set(stored.map((row) => row.seq));
    fresh = batch.filter((frame) => !storedSeqs.has(frame.seq));
    if (fresh.length === 0) return 0;
  }
  const draft = state.draft();
  const previous = await previousPrints(db, state, fresh);
  const rows = fresh.map((frame) => {
    const print = frame.record.type === "hist" ? previous.get(frame.record.map) : undefined;
    const encoded = encodeFrameData(frame, draft.table, print);
    if (frame.record.type === "hist") previous.set(frame.record.map, { seq: frame.seq, record: frame.record });
    return { frame, ...encoded };
  });
  // The run's row is updated first, so nothing is written for a run whose frames the retention sweep deleted.
  const [written] = await db.$queryRaw<{ inserted: number }[]>`
    WITH run AS (
      UPDATE "Run" SET "lastSeq" = GREATEST("lastSeq", ${batch.at(-1)!.seq}::int)
      WHERE "frameKey" = ${state.runKey} AND "framesPrunedAt" IS NULL
      RETURNING "frameKey"
    ), names AS (
      INSERT INTO "FrameName" ("runKey", "id", "kind", "text")
      SELECT run."frameKey", n."id", n."kind", n."text"
      FROM run, unnest(${draft.added.map((name) => name.id)}::int[], ${draft.added.map((name) => name.kind)}::smallint[], ${draft.added.map((name) => name.text)}::text[]) AS n("id", "kind", "text")
    ), frames AS (
      INSERT INTO "Frame" ("runKey", "seq", "at", "map", "data")
      SELECT run."frameKey", f."seq", f."at", f."map", f."data"
      FROM run, unnest(
        ${rows.map((row) => row.frame.seq)}::int[],
        ${rows.map((row) => new Date(row.frame.at).toISOString().slice(0, 23))}::timestamp(3)[],
        ${rows.map((row) => row.map)}::int[],
        ${rows.map((row) => row.data)}::bytea[]
      ) AS f("seq", "at", "map", "data")
      RETURNING 1
    )
    SELECT count(*)::int AS "inserted" FROM frames`;
  // Nothing was written for a run whose frames had been deleted.
  if (written!.inserted === 0) return 0;
  state.add(draft.added);
  for (const { frame } of rows) if (frame.record.type === "hist") state.keepPrint(frame.seq, frame.record);
  return written!.inserted;
}

/** Sorted by seq; of frames sharing a seq, the first (as the database keeps the first insert). */
function firstOfEachSeq(frames: Frame[]): Frame[] {
  const bySeq = new Map<number, Frame>();
  for (const frame of frames) if (!bySeq.has(frame.seq)) bySeq.set(frame.seq, frame);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * For each hist map whose first print in the batch carries a delta, a stored
 * print of the map before it, from which the delta may be derived: the
 * latest this process stored, or else the latest stored within the lookback.
 */
async function previousPrints(db: Db, state: RunFrameState, frames: Frame[]): Promise<Map<string, PreviousPrint>> {
  const firstPrints = new Map<string, Frame>();
  for (const frame of frames) {
    if (frame.record.type === "hist" && !firstPrints.has(frame.record.map)) firstPrints.set(frame.record.map, frame);
  }
  const previous = new Map<string, PreviousPrint>();
  const wanted: { id: number; before: number }[] = [];
  for (const [map, frame] of firstPrints) {
    if (!frame.delta) continue;
    const kept = state.latestPrint(map);
    if (kept && kept.seq < frame.seq) previous.set(map, kept);
    else {
      const id = state.find(NAME_KINDS.histMap, map);
      if (id !== undefined) wanted.push({ id, before: frame.seq });
    }
  }
  if (wanted.length === 0) return previous;
  // Walks the primary key back from each first print; a map that printed recently is found in a few rows.
  const rows = await db.$queryRaw<{ seq: number; data: Uint8Array }[]>`
    SELECT p."seq", p."data"
    FROM unnest(${wanted.map((w) => w.id)}::int[], ${wanted.map((w) => w.before)}::int[]) AS m("map", "before")
    CROSS JOIN LATERAL (
      SELECT f."seq", f."data" FROM "Frame" f
      WHERE f."runKey" = ${state.runKey} AND f."map" = m."map" AND f."seq" < m."before" AND f."seq" >= m."before" - ${PREVIOUS_PRINT_LOOKBACK}::int
      ORDER BY f."seq" DESC
      LIMIT 1
    ) p`;
  for (const row of rows) {
    const { record } = decodeFrameData(row.data, state, row.seq);
    if (record.type === "hist") previous.set(record.map, { seq: row.seq, record });
  }
  return previous;
}

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
    // Retention deletes a run's newest frames first, so a stored frame's previous print is always stored too.
    if (previous?.type !== "hist") throw new Error(`frame ${row.seq} of run ${runId} derives its delta from frame ${decoded.deltaFromSeq}, which is not a stored histogram`);
    frame.delta = deriveDelta(previous, decoded.record as HistRecord);
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
