import { z } from "zod";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import type { StateDir } from "./state-dir.ts";

const REPLAY_FILE = "accepted-orders.json";
const replayFileSchema = z
  .object({
    /** Program id -> the highest revision number this host accepted. */
    programs: z.record(z.string(), z.number().int().positive()),
    /** Run id -> when its order expires (ms); kept until then, since a replay after it is refused as expired. */
    runs: z.record(z.string(), z.number()),
  })
  .strict();

export type ReplayRefusal = { reason: "replay" | "rollback"; message: string };

/**
 * Rollback and replay protection (TUF's "rollback" and "replay" attacks),
 * persisted so that an agent restart does not reopen either: a run id is
 * started at most once, and an order for an older revision of a program than
 * one this host already accepted is refused.
 */
export class ReplayGuard {
  private readonly programs: Map<string, number>;
  private readonly runs: Map<string, number>;

  constructor(
    private readonly state: StateDir,
    private readonly now: () => number,
  ) {
    const saved = state.readJson(REPLAY_FILE, replayFileSchema);
    this.programs = new Map(Object.entries(saved?.programs ?? {}));
    this.runs = new Map(Object.entries(saved?.runs ?? {}));
  }

  check(order: RunOrder): ReplayRefusal | null {
    if (this.runs.has(order.runId)) {
      return { reason: "replay", message: `run ${order.runId} was already started on this host; an order runs at most once` };
    }
    const highest = this.programs.get(order.program.id) ?? 0;
    if (order.program.revision < highest) {
      return {
        reason: "rollback",
        message: `revision ${order.program.revision} of program ${order.program.id} is older than revision ${highest}, which this host already ran`,
      };
    }
    return null;
  }

  /** Written to disk before the run starts: a crash right after still counts the order as used. */
  record(order: RunOrder): void {
    const now = this.now();
    for (const [runId, expiresAt] of this.runs) if (expiresAt < now) this.runs.delete(runId);
    this.runs.set(order.runId, Date.parse(order.expiresAt));
    this.programs.set(order.program.id, Math.max(this.programs.get(order.program.id) ?? 0, order.program.revision));
    this.state.writeJson(REPLAY_FILE, { programs: Object.fromEntries(this.programs), runs: Object.fromEntries(this.runs) });
  }
}
