import "server-only";
import type { Tx } from "@/lib/server/db/client.ts";

// State changes reach the realtime server (and any other server process)
// through PostgreSQL's NOTIFY, sent inside the transaction that made the
// change: PostgreSQL delivers it only if that transaction commits.
export const NOTIFY_CHANNEL = "workbench_events";

export type WorkbenchEvent =
  /** Signed orders wait for these hosts (one approval's fleet, in chunks that fit a NOTIFY payload). */
  | { type: "runs.queued"; hostIds: string[] }
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

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; each chunk stays well under it. */
const MAX_NOTIFY_PAYLOAD_BYTES = 7000;

/** The hosts' ids split into `runs.queued` events whose JSON stays under the payload limit. */
export function runsQueuedEvents(hostIds: readonly string[]): WorkbenchEvent[] {
  const events: WorkbenchEvent[] = [];
  let chunk: string[] = [];
  let bytes = JSON.stringify({ type: "runs.queued", hostIds: [] }).length;
  const base = bytes;
  for (const hostId of hostIds) {
    // Ids are cuids (ASCII); quotes and a comma around each.
    const size = Buffer.byteLength(hostId, "utf8") + 3;
    if (chunk.length > 0 && bytes + size > MAX_NOTIFY_PAYLOAD_BYTES) {
      events.push({ type: "runs.queued", hostIds: chunk });
      chunk = [];
      bytes = base;
    }
    chunk.push(hostId);
    bytes += size;
  }
  if (chunk.length > 0) events.push({ type: "runs.queued", hostIds: chunk });
  return events;
}

/** Several events in one statement, each delivered only if the transaction commits. */
export async function notifyAllAfterCommit(tx: Tx, events: readonly WorkbenchEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.$executeRaw`SELECT pg_notify(${NOTIFY_CHANNEL}, e.payload) FROM unnest(${events.map((event) => JSON.stringify(event))}::text[]) AS e(payload)`;
}
