import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import type { FrameNameTable, FrameNames, NameKind, PreviousPrint } from "./frame-codec.ts";

// What this process knows about each run's stored frames: its frame key, its
// numbered names (FrameName: map names, keys, BPF program names) and the
// latest print of each histogram map it stored. All of it stays true: a run's
// frame key never changes, a name never changes once numbered, and a stored
// frame never changes until the retention sweep deletes the run's frames,
// after which nothing is stored for the run again. It can only be incomplete
// (another process stored more), and whoever relies on it checks that:
// readers by reading the names past the known ones, the insert path by
// failing on a primary key and trying again (lib/server/data/frames.ts).

export type NewName = { id: number; kind: NameKind; text: string };

/** Reads a run's names numbered `fromId` and after, in order (Prisma on the per-batch path, plain pg on the group commit). */
export type FrameNameReader = (runKey: number, fromId: number) => Promise<NewName[]>;

export function prismaNameReader(db: Db): FrameNameReader {
  return async (runKey, fromId) => {
    const rows = await db.frameName.findMany({
      where: { runKey, id: { gte: fromId } },
      orderBy: { id: "asc" },
      select: { id: true, kind: true, text: true },
    });
    return rows.map((row) => ({ id: row.id, kind: row.kind as NameKind, text: row.text }));
  };
}

/** A name number this process has not read yet: read the run's names again. */
export class UnknownNameError extends Error {
  override name = "UnknownNameError";
}

/**
 * How many runs a process keeps; the least recently used are dropped. A fleet
 * run streams from thousands of hosts at once, and each dropped state costs a
 * read of the run's names when its next batch comes: keep them all.
 */
const CACHED_RUNS = 20_000;
/** Larger prints are not kept in memory; the insert path reads them back when it needs them. */
const KEPT_PRINT_BUCKETS = 4096;

export class RunFrameState implements FrameNames {
  readonly #texts: string[] = [];
  readonly #ids = new Map<string, number>();
  readonly #latestPrints = new Map<string, PreviousPrint>();
  #synced = false;

  constructor(readonly runKey: number) {}

  textOf(id: number): string {
    const text = this.#texts[id];
    if (text === undefined) throw new UnknownNameError(`frame name ${id} of run ${this.runKey} is not known here`);
    return text;
  }

  /** The number of a name known to be stored, if it is. */
  find(kind: NameKind, text: string): number | undefined {
    return this.#ids.get(nameKey(kind, text));
  }

  /** Whether this process has read the run's stored names at least once (a state made from the run key alone has not). */
  get synced(): boolean {
    return this.#synced;
  }

  /** Reads the names stored since this process last read them. */
  async sync(read: Db | FrameNameReader): Promise<void> {
    const reader = typeof read === "function" ? read : prismaNameReader(read);
    this.add(await reader(this.runKey, this.#texts.length));
    this.#synced = true;
  }

  /** Names now stored; ones already known are skipped. */
  add(names: readonly NewName[]): void {
    for (const name of names) {
      if (name.id < this.#texts.length) continue;
      if (name.id > this.#texts.length) throw new UnknownNameError(`frame name ${name.id} of run ${this.runKey} came before ${this.#texts.length}`);
      this.#texts.push(name.text);
      this.#ids.set(nameKey(name.kind, name.text), name.id);
    }
  }

  /**
   * A table for encoding one batch: known names keep their numbers, new ones
   * are numbered after them and listed in `added`, to be stored with the
   * batch and passed to add() once they are. If another process numbered
   * names meanwhile, storing these fails on FrameName's primary key.
   */
  draft(): { table: FrameNameTable; added: NewName[] } {
    const added: NewName[] = [];
    const draftIds = new Map<string, number>();
    const table: FrameNameTable = {
      idOf: (kind, text) => {
        const key = nameKey(kind, text);
        let id = this.#ids.get(key) ?? draftIds.get(key);
        if (id === undefined) {
          id = this.#texts.length + added.length;
          added.push({ id, kind, text });
          draftIds.set(key, id);
        }
        return id;
      },
      textOf: (id) => (id < this.#texts.length ? this.textOf(id) : added[id - this.#texts.length]!.text),
    };
    return { table, added };
  }

  /** The latest print of the map this process stored, if it kept it. */
  latestPrint(map: string): PreviousPrint | undefined {
    return this.#latestPrints.get(map);
  }

  /** A print now stored; kept unless a later one is, or it is too large to keep. */
  keepPrint(seq: number, record: HistRecord): void {
    const kept = this.#latestPrints.get(record.map);
    if (kept && kept.seq > seq) return;
    // Only frames checked in full reach here today; a print of another shape is simply not kept.
    if (!Array.isArray(record.series)) return;
    const buckets = record.series.reduce((sum, series) => sum + (Array.isArray(series.buckets) ? series.buckets.length : 0), 0);
    if (buckets > KEPT_PRINT_BUCKETS) this.#latestPrints.delete(record.map);
    else this.#latestPrints.set(record.map, { seq, record });
  }
}

const nameKey = (kind: NameKind, text: string) => `${kind}:${text}`;

// Per database client: tests run several databases in one process.
const caches = new WeakMap<Db, Map<string, RunFrameState>>();

function cacheOf(db: Db): Map<string, RunFrameState> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  return cache;
}

/** What this process knows about the run's frames, or null if there is no such run. */
export async function findRunFrameState(db: Db, runId: string): Promise<RunFrameState | null> {
  const cached = cacheOf(db).get(runId);
  if (cached) return remember(db, runId, cached);
  const run = await db.run.findUnique({ where: { id: runId }, select: { frameKey: true } });
  return run ? runFrameStateOf(db, runId, run.frameKey) : null;
}

/** The same, for a caller that already knows the run's frame key (the group commit's run directory). */
export function runFrameStateOf(db: Db, runId: string, runKey: number): RunFrameState {
  return remember(db, runId, cacheOf(db).get(runId) ?? new RunFrameState(runKey));
}

function remember(db: Db, runId: string, state: RunFrameState): RunFrameState {
  const cache = cacheOf(db);
  // A Map iterates in insertion order: re-inserting marks the run as recently used.
  cache.delete(runId);
  cache.set(runId, state);
  if (cache.size > CACHED_RUNS) cache.delete(cache.keys().next().value!);
  return state;
}

/** After the run's frames and names were deleted. */
export function forgetRunFrameState(db: Db, runId: string): void {
  cacheOf(db).delete(runId);
}
