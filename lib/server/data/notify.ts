import "server-only";
import type { Tx } from "@/lib/server/db/client.ts";

// State changes reach the realtime server (and any other server process)
// through PostgreSQL's NOTIFY, sent inside the transaction that made the
// change: PostgreSQL delivers it only if that transaction commits.
export const NOTIFY_CHANNEL = "workbench_events";

export type WorkbenchEvent =
  | { type: "run.queued"; runId: string; hostId: string }
  | { type: "run.stop-requested"; runId: string; hostId: string; cause: "user" | "revoked"; reason: string }
  | { type: "run.changed"; runId: string }
  /** Frames were stored outside the agent socket (a replay upload over HTTP): relay seqs fromSeq..toSeq to viewers. */
  | { type: "run.frames-stored"; runId: string; fromSeq: number; toSeq: number }
  | { type: "host.revoked"; hostId: string; reason?: string }
  /** A user signed out, was disabled or had roles changed: their live sockets are checked again (and cut if need be). */
  | { type: "user.access-changed"; userId: string }
  // Agent-side events (lib/server/realtime/agent-events.ts): a key rotation to announce, a dry run to ask for.
  | { type: "trust.rotated"; seq: number }
  | { type: "dry-run.requested"; dryRunId: string; hostId: string };

export async function notifyAfterCommit(tx: Tx, event: WorkbenchEvent): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${NOTIFY_CHANNEL}, ${JSON.stringify(event)})`;
}
