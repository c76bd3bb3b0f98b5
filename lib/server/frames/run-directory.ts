import "server-only";
import type { HotPathPool } from "@/lib/server/db/hot-path-pool.ts";

/**
 * What the frame path needs to know about a run to take its frames: which
 * host's agent may send them, its frame key, and the batch it belongs to (the
 * approval that signed it: viewers of a fleet watch a batch). None of these
 * ever change for a run, so they are cached for as long as the process lives;
 * what does change (the run's status) is checked by the statement that stores
 * the frames, never from here.
 */
export type FrameRoute = {
  runId: string;
  runKey: number;
  hostId: string | null;
  /** The runs one approval signed; null for a replay. */
  batchId: string | null;
};

/** Enough for every run of a 5,000-host fleet run, twice over, and small (about 200 bytes each). */
const CACHED_ROUTES = 20_000;

export class RunDirectory {
  readonly #routes = new Map<string, FrameRoute>();

  constructor(private readonly pool: HotPathPool) {}

  /** The run's route, or null when there is no such run. */
  async find(runId: string): Promise<FrameRoute | null> {
    const cached = this.#routes.get(runId);
    if (cached) return cached;
    // A batch is the runs one approval signed, or those of one runbook launch (which share the runbook's approval).
    const { rows } = await this.pool.query<{ frameKey: number; hostId: string | null; batchId: string | null }>({
      name: "frame-route",
      text: `SELECT "frameKey", "hostId", COALESCE("launchId", "approvalId") AS "batchId" FROM "Run" WHERE "id" = $1`,
      values: [runId],
    });
    const row = rows[0];
    if (!row) return null;
    const route: FrameRoute = { runId, runKey: row.frameKey, hostId: row.hostId, batchId: row.batchId };
    this.#routes.set(runId, route);
    if (this.#routes.size > CACHED_ROUTES) this.#routes.delete(this.#routes.keys().next().value!);
    return route;
  }
}
