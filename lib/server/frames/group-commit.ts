import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { isUniqueViolation } from "@/lib/server/db/errors.ts";
import type { HotPathPool } from "@/lib/server/db/hot-path-pool.ts";
import { logError } from "@/lib/server/log.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import { encodeFrameData, type NameKind } from "./frame-codec.ts";
import { runFrameStateOf, UnknownNameError, type FrameNameReader, type NewName, type RunFrameState } from "./frame-run-state.ts";
import { firstOfEachSeq, framesClosedError, frameTime, insertFramesReturningNew, loadPreviousPrints, type RowQuery } from "./frame-store.ts";
import type { FrameRoute } from "./run-directory.ts";

// Group commit of agents' frames: every batch that arrives while a statement
// is running waits for the next one, and the next one stores all of them,
// from however many agents, in one INSERT (with the runs' lastSeq and any new
// names) on the hot-path pool, as a prepared statement. Each batch is
// acknowledged only after that statement committed, so an agent forgets only
// frames PostgreSQL has; a server that dies mid-statement acknowledged
// nothing of it, and the agents send it again. One statement is in flight at
// a time: an agent sends its next batch only after the last was acknowledged,
// so a run's frames are stored, and handed on, in order.
//
// What this process knows of each run (frame-run-state.ts) is trusted, as on
// the per-batch path. When it was incomplete (another process stored names
// for the run: an agent that moved between processes), the statement fails
// whole on FrameName's primary key, and each batch of that group takes the
// per-batch path, which reads what is stored and tries again.

export type AgentFramesStored = { stored: number; ackSeq: number };

/** Frames in PostgreSQL for the first time, by run: what viewers and metrics are handed, after the acknowledgements. */
export type StoredFrames = { runId: string; batchId: string | null; frames: Frame[] };

export type GroupCommitOptions = {
  db: Db;
  pool: HotPathPool;
  /** Called after the acknowledgements of a statement went out, never on their path. */
  onStored(stored: StoredFrames[]): void;
  /** A statement takes batches until it holds this many frames (bounds its size and its time). */
  maxGroupFrames?: number;
};

type Pending = { route: FrameRoute; frames: Frame[]; resolve(value: AgentFramesStored): void; reject(error: unknown): void };
type RunGroup = { route: FrameRoute; state: RunFrameState; pendings: Pending[]; frames: Frame[]; answered: boolean };

const DEFAULT_MAX_GROUP_FRAMES = 5000;

const GROUP_COMMIT_SQL = `
WITH batch AS (
  SELECT * FROM unnest($1::int[], $2::int[]) AS b("runKey", "lastSeq")
), locked AS (
  -- The runs' rows in the order every batch of starts, ends and stops takes them (by id), so none of them deadlock.
  SELECT r."id" FROM "Run" r WHERE r."frameKey" = ANY($1::int[]) ORDER BY r."id" FOR UPDATE
), runs AS (
  UPDATE "Run" r SET "lastSeq" = GREATEST(r."lastSeq", b."lastSeq")
  FROM batch b
  WHERE r."frameKey" = b."runKey" AND r."id" IN (SELECT "id" FROM locked) AND r."status" = 'RUNNING' AND r."framesPrunedAt" IS NULL
  RETURNING r."frameKey"
), names AS (
  INSERT INTO "FrameName" ("runKey", "id", "kind", "text")
  SELECT n."runKey", n."id", n."kind", n."text"
  FROM unnest($3::int[], $4::int[], $5::smallint[], $6::text[]) AS n("runKey", "id", "kind", "text")
  JOIN runs ON runs."frameKey" = n."runKey"
), inserted AS (
  INSERT INTO "Frame" ("runKey", "seq", "at", "map", "data")
  SELECT f."runKey", f."seq", f."at", f."map", f."data"
  FROM unnest($7::int[], $8::int[], $9::timestamp(3)[], $10::int[], $11::bytea[]) AS f("runKey", "seq", "at", "map", "data")
  JOIN runs ON runs."frameKey" = f."runKey"
  ON CONFLICT ("runKey", "seq") DO NOTHING
  RETURNING "runKey", "seq"
)
SELECT "frameKey" AS "runKey", 0 AS "seq" FROM runs
UNION ALL
SELECT "runKey", "seq" FROM inserted`;

export class FrameGroupCommit {
  readonly #options: GroupCommitOptions;
  readonly #query: RowQuery;
  readonly #readNames: FrameNameReader;
  #queue: Pending[] = [];
  #draining: Promise<void> | undefined;
  /** Statements run and batches they carried, for /metrics and the fleet benchmark. */
  readonly stats = { statements: 0, batches: 0, frames: 0, fallbacks: 0 };

  constructor(options: GroupCommitOptions) {
    this.#options = options;
    this.#query = async <T>(text: string, values: unknown[]) => (await options.pool.query(text, values)).rows as T[];
    this.#readNames = async (runKey, fromId) => {
      const { rows } = await options.pool.query<{ id: number; kind: number; text: string }>({
        name: "frame-names-from",
        text: `SELECT "id", "kind", "text" FROM "FrameName" WHERE "runKey" = $1 AND "id" >= $2 ORDER BY "id"`,
        values: [runKey, fromId],
      });
      return rows.map((row): NewName => ({ id: row.id, kind: row.kind as NameKind, text: row.text }));
    };
  }

  /** Stores a batch of one run (validated, in seq order, from the run's own agent); resolves once it is committed. */
  submit(route: FrameRoute, frames: Frame[]): Promise<AgentFramesStored> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ route, frames, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves when every batch submitted so far has been answered. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    // Batches that arrived in the same turn of the event loop share the first statement too.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) await this.#commit(this.#take());
    this.#draining = undefined;
  }

  #take(): Pending[] {
    const max = this.#options.maxGroupFrames ?? DEFAULT_MAX_GROUP_FRAMES;
    let frames = 0;
    let count = 0;
    while (count < this.#queue.length && (count === 0 || frames + this.#queue[count]!.frames.length <= max)) {
      frames += this.#queue[count]!.frames.length;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  async #commit(group: Pending[]): Promise<void> {
    const runs = new Map<number, RunGroup>();
    for (const pending of group) {
      const { route } = pending;
      let run = runs.get(route.runKey);
      if (!run) runs.set(route.runKey, (run = { route, state: runFrameStateOf(this.#options.db, route.runId, route.runKey), pendings: [], frames: [], answered: false }));
      run.pendings.push(pending);
      run.frames.push(...pending.frames);
    }
    let stored: StoredFrames[];
    try {
      stored = await this.#store([...runs.values()]);
    } catch (error) {
      if (!(isUniqueViolation(error) || error instanceof UnknownNameError)) {
        for (const pending of group) pending.reject(error);
        return;
      }
      stored = await this.#storeOneByOne([...runs.values()].filter((run) => !run.answered));
    }
    this.stats.statements++;
    this.stats.batches += group.length;
    this.stats.frames += stored.reduce((sum, run) => sum + run.frames.length, 0);
    if (stored.length > 0) {
      setImmediate(() => {
        try {
          this.#options.onStored(stored);
        } catch (error) {
          logError("handing on stored frames failed", error);
        }
      });
    }
  }

  /** The group in one statement; answers each batch, and returns what was new. */
  async #store(runs: RunGroup[]): Promise<StoredFrames[]> {
    await Promise.all(runs.filter((run) => !run.state.synced).map((run) => run.state.sync(this.#readNames)));
    for (const run of runs) run.frames = firstOfEachSeq(run.frames);
    const previous = await loadPreviousPrints(this.#query, runs);
    const batch = { runKeys: [] as number[], lastSeqs: [] as number[] };
    const names = { runKeys: [] as number[], ids: [] as number[], kinds: [] as number[], texts: [] as string[] };
    const rows = { runKeys: [] as number[], seqs: [] as number[], ats: [] as string[], maps: [] as (number | null)[], data: [] as Uint8Array[] };
    const drafts = new Map<number, NewName[]>();
    const encodable: RunGroup[] = [];
    for (const run of runs) {
      const { runKey } = run.route;
      const draft = run.state.draft();
      const prints = new Map(previous.get(runKey));
      let encoded: { frame: Frame; map: number | null; data: Uint8Array }[];
      try {
        encoded = run.frames.map((frame) => {
          const print = frame.record.type === "hist" ? prints.get(frame.record.map) : undefined;
          const result = encodeFrameData(frame, draft.table, print);
          if (frame.record.type === "hist") prints.set(frame.record.map, { seq: frame.seq, record: frame.record });
          return { frame, ...result };
        });
      } catch (error) {
        // A record the codec cannot take is a bug, not the agent's fault: fail its batches alone, and say so.
        if (error instanceof UnknownNameError) throw error;
        logError("could not encode a frame batch", error, { runId: run.route.runId });
        reject(run, error);
        continue;
      }
      encodable.push(run);
      drafts.set(runKey, draft.added);
      batch.runKeys.push(runKey);
      batch.lastSeqs.push(run.frames.at(-1)!.seq);
      for (const name of draft.added) {
        names.runKeys.push(runKey);
        names.ids.push(name.id);
        names.kinds.push(name.kind);
        names.texts.push(name.text);
      }
      for (const row of encoded) {
        rows.runKeys.push(runKey);
        rows.seqs.push(row.frame.seq);
        rows.ats.push(frameTime(row.frame.at));
        rows.maps.push(row.map);
        rows.data.push(row.data);
      }
    }
    if (encodable.length === 0) return [];
    const { rows: result } = await this.#options.pool.query<{ runKey: number; seq: number }>({
      name: "frames-group-commit",
      text: GROUP_COMMIT_SQL,
      values: [batch.runKeys, batch.lastSeqs, names.runKeys, names.ids, names.kinds, names.texts, rows.runKeys, rows.seqs, rows.ats, rows.maps, rows.data],
    });
    const accepted = new Set<number>();
    const inserted = new Map<number, Set<number>>();
    for (const row of result) {
      if (row.seq === 0) accepted.add(row.runKey);
      else {
        let seqs = inserted.get(row.runKey);
        if (!seqs) inserted.set(row.runKey, (seqs = new Set()));
        seqs.add(row.seq);
      }
    }
    const stored: StoredFrames[] = [];
    for (const run of encodable) {
      const { runKey } = run.route;
      if (!accepted.has(runKey)) {
        reject(run, framesClosedError());
        continue;
      }
      run.state.add(drafts.get(runKey)!);
      const seqs = inserted.get(runKey) ?? new Set<number>();
      const fresh = run.frames.filter((frame) => seqs.has(frame.seq));
      for (const frame of fresh) if (frame.record.type === "hist") run.state.keepPrint(frame.seq, frame.record);
      answer(run, seqs);
      if (fresh.length > 0) stored.push({ runId: run.route.runId, batchId: run.route.batchId, frames: fresh });
    }
    return stored;
  }

  /** After the group statement met what this process did not know: each run on the per-batch path, which reads it first. */
  async #storeOneByOne(runs: RunGroup[]): Promise<StoredFrames[]> {
    this.stats.fallbacks++;
    const stored: StoredFrames[] = [];
    for (const run of runs) {
      try {
        const fresh = await insertFramesReturningNew(this.#options.db, run.route.runId, run.frames);
        answer(run, new Set(fresh.map((frame) => frame.seq)));
        if (fresh.length > 0) stored.push({ runId: run.route.runId, batchId: run.route.batchId, frames: fresh });
      } catch (error) {
        reject(run, error);
      }
    }
    return stored;
  }
}

function reject(run: RunGroup, error: unknown): void {
  run.answered = true;
  for (const pending of run.pendings) pending.reject(error);
}

/** Each batch learns how many of its frames were new, and that everything up to its highest seq is stored. */
function answer(run: RunGroup, newSeqs: Set<number>): void {
  run.answered = true;
  const counted = new Set<number>();
  for (const pending of run.pendings) {
    let stored = 0;
    for (const frame of pending.frames) {
      if (newSeqs.has(frame.seq) && !counted.has(frame.seq)) {
        counted.add(frame.seq);
        stored++;
      }
    }
    pending.resolve({ stored, ackSeq: pending.frames.reduce((max, frame) => Math.max(max, frame.seq), 0) });
  }
}
