import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { isUniqueViolation } from "@/lib/server/db/errors.ts";
import { AppError } from "@/lib/server/errors.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import { NAME_KINDS, decodeFrameData, encodeFrameData, type PreviousPrint } from "./frame-codec.ts";
import { findRunFrameState, UnknownNameError, type RunFrameState } from "./frame-run-state.ts";

// Writing frames (model Frame; encoding in frame-codec.ts, what the server
// keeps in memory per run in frame-run-state.ts, reading back in
// frame-reads.ts). Two paths write: insertFrames here, one batch per
// statement, for replay uploads and whenever the group commit
// (group-commit.ts) meets what this process did not know; and the group
// commit itself, many agents' batches per statement. Both store a frame only
// while its run is RUNNING, so frames sent after a run's end never alter it.

/** How many seqs back an insert looks for a map's previous print to derive a delta from; past that, the delta is stored. */
const PREVIOUS_PRINT_LOOKBACK = 5_000;
/** Tries of a batch: the first may fail on what this process did not know yet (see insertFrames). */
const INSERT_ATTEMPTS = 5;

/** The answer for frames of a run that is not RUNNING: they are never stored, and sending them again cannot change that. */
export function framesClosedError(): AppError {
  return new AppError("CONFLICT", "This run is not running (it ended, or has not started); its frames are closed and these were not stored.");
}

/**
 * Stores frames; a (runId, seq) already stored is skipped, which is what makes
 * an agent's resend after a lost acknowledgement harmless. Returns how many
 * were new (0 for a run that does not exist). The run's lastSeq only ever
 * grows. A run that is not RUNNING (ended, not started, or its frames deleted
 * by the retention sweep) stores nothing: CONFLICT.
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
  return (await insertFramesReturningNew(db, runId, frames)).length;
}

/** insertFrames, returning the frames that were new (in seq order): what viewers have not seen yet. */
export async function insertFramesReturningNew(db: Db, runId: string, frames: Frame[]): Promise<Frame[]> {
  if (frames.length === 0) return [];
  const state = await findRunFrameState(db, runId);
  if (!state) return [];
  const batch = firstOfEachSeq(frames);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await writeFrames(db, state, batch, attempt > 1);
    } catch (error) {
      if (attempt >= INSERT_ATTEMPTS || !(isUniqueViolation(error) || error instanceof UnknownNameError)) throw error;
    }
  }
}

async function writeFrames(db: Db, state: RunFrameState, batch: Frame[], readFirst: boolean): Promise<Frame[]> {
  let fresh = batch;
  if (readFirst) {
    const [stored] = await Promise.all([
      db.frame.findMany({ where: { runKey: state.runKey, seq: { in: batch.map((frame) => frame.seq) } }, select: { seq: true } }),
      state.sync(db),
    ]);
    const storedSeqs = new Set(stored.map((row) => row.seq));
    fresh = batch.filter((frame) => !storedSeqs.has(frame.seq));
    if (fresh.length === 0) return [];
  }
  const draft = state.draft();
  const previous = await loadPreviousPrints(prismaQuery(db), [{ state, frames: fresh }]);
  const rows = fresh.map((frame) => {
    const print = frame.record.type === "hist" ? previous.get(state.runKey)?.get(frame.record.map) : undefined;
    const encoded = encodeFrameData(frame, draft.table, print);
    if (frame.record.type === "hist") setPrevious(previous, state.runKey, { seq: frame.seq, record: frame.record });
    return { frame, ...encoded };
  });
  // The run's row is updated first, so nothing is written for a run that is not RUNNING.
  const [written] = await db.$queryRaw<{ open: boolean }[]>`
    WITH run AS (
      UPDATE "Run" SET "lastSeq" = GREATEST("lastSeq", ${batch.at(-1)!.seq}::int)
      WHERE "frameKey" = ${state.runKey} AND "status" = 'RUNNING' AND "framesPrunedAt" IS NULL
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
        ${rows.map((row) => frameTime(row.frame.at))}::timestamp(3)[],
        ${rows.map((row) => row.map)}::int[],
        ${rows.map((row) => row.data)}::bytea[]
      ) AS f("seq", "at", "map", "data")
      RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM run) AS "open", (SELECT count(*) FROM frames) AS "inserted"`;
  if (!written!.open) throw framesClosedError();
  // Without ON CONFLICT the statement stored every row or failed whole: what was fresh is what is new.
  state.add(draft.added);
  for (const { frame } of rows) if (frame.record.type === "hist") state.keepPrint(frame.seq, frame.record);
  return fresh;
}

/** A frame's time as PostgreSQL's timestamp(3) reads it (UTC, milliseconds). */
export function frameTime(at: number): string {
  return new Date(at).toISOString().slice(0, 23);
}

/** Sorted by seq; of frames sharing a seq, the first (as the database keeps the first insert). */
export function firstOfEachSeq(frames: readonly Frame[]): Frame[] {
  const bySeq = new Map<number, Frame>();
  for (const frame of frames) if (!bySeq.has(frame.seq)) bySeq.set(frame.seq, frame);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Runs a query with positional parameters ($1, $2, ...) and returns its rows: Prisma's raw query, or a pg pool's. */
export type RowQuery = <T>(text: string, values: unknown[]) => Promise<T[]>;

export function prismaQuery(db: Db): RowQuery {
  return <T>(text: string, values: unknown[]) => db.$queryRawUnsafe<T[]>(text, ...values);
}

/** Per run key, per map name: the print a delta may be derived from. */
export type PreviousPrints = Map<number, Map<string, PreviousPrint>>;

function setPrevious(prints: PreviousPrints, runKey: number, print: PreviousPrint & { record: { type: "hist"; map: string } }): void {
  let ofRun = prints.get(runKey);
  if (!ofRun) prints.set(runKey, (ofRun = new Map()));
  ofRun.set(print.record.map, print);
}

/**
 * For each hist map whose first print in a run's frames carries a delta, a
 * stored print of the map before it, from which the delta may be derived: the
 * latest this process stored, or else the latest stored within the lookback
 * (one query for every run that needs one).
 */
export async function loadPreviousPrints(query: RowQuery, runs: readonly { state: RunFrameState; frames: readonly Frame[] }[]): Promise<PreviousPrints> {
  const previous: PreviousPrints = new Map();
  const wanted: { state: RunFrameState; map: number; before: number }[] = [];
  for (const { state, frames } of runs) {
    const firstPrints = new Map<string, Frame>();
    for (const frame of frames) {
      if (frame.record.type === "hist" && !firstPrints.has(frame.record.map)) firstPrints.set(frame.record.map, frame);
    }
    for (const [map, frame] of firstPrints) {
      if (!frame.delta) continue;
      const kept = state.latestPrint(map);
      if (kept && kept.seq < frame.seq) setPrevious(previous, state.runKey, kept as PreviousPrint & { record: { type: "hist"; map: string } });
      else {
        const id = state.find(NAME_KINDS.histMap, map);
        if (id !== undefined) wanted.push({ state, map: id, before: frame.seq });
      }
    }
  }
  if (wanted.length === 0) return previous;
  // Walks the primary key back from each first print; a map that printed recently is found in a few rows.
  const rows = await query<{ runKey: number; seq: number; data: Uint8Array }>(
    `SELECT m."runKey", p."seq", p."data"
     FROM unnest($1::int[], $2::int[], $3::int[]) AS m("runKey", "map", "before")
     CROSS JOIN LATERAL (
       SELECT f."seq", f."data" FROM "Frame" f
       WHERE f."runKey" = m."runKey" AND f."map" = m."map" AND f."seq" < m."before" AND f."seq" >= m."before" - ${PREVIOUS_PRINT_LOOKBACK}
       ORDER BY f."seq" DESC
       LIMIT 1
     ) p`,
    [wanted.map((w) => w.state.runKey), wanted.map((w) => w.map), wanted.map((w) => w.before)],
  );
  const states = new Map(wanted.map((w) => [w.state.runKey, w.state]));
  for (const row of rows) {
    const { record } = decodeFrameData(row.data, states.get(row.runKey)!, row.seq);
    if (record.type === "hist") setPrevious(previous, row.runKey, { seq: row.seq, record });
  }
  return previous;
}
