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
  | { type: "host.revoked"; hostId: string };

export async function notifyAfterCommit(tx: Tx, event: WorkbenchEvent): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${NOTIFY_CHANNEL}, ${JSON.stringify(event)})`;
}
