import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { RunStatus, StopScope } from "@/lib/server/db/generated/enums.ts";

/**
 * Engaging a switch and signing orders take turns on this advisory lock: an
 * engage holds it exclusively, an approval (or launch) shares it, so an
 * approval either committed before the switch (and its runs are stopped by
 * it) or sees the switch and is refused. Never both missed.
 */
const STOP_SWITCH_LOCK = 0x5709_5717;

export async function lockStopSwitchesExclusive(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${STOP_SWITCH_LOCK}::bigint)`;
}

export async function lockStopSwitchesShared(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${STOP_SWITCH_LOCK}::bigint)`;
}

export type StopSwitchView = {
  id: string;
  scope: StopScope;
  scopeValue: string | null;
  scopeName: string;
  reason: string;
  engagedBy: string;
  engagedAt: Date;
  endedQueued: number;
  stoppedRunning: number;
  releasedBy: string | null;
  releasedAt: Date | null;
  releaseReason: string | null;
};

const viewSelect = {
  id: true,
  scope: true,
  scopeValue: true,
  scopeName: true,
  reason: true,
  engagedAt: true,
  endedQueued: true,
  stoppedRunning: true,
  releasedAt: true,
  releaseReason: true,
  engagedBy: { select: { name: true } },
  releasedBy: { select: { name: true } },
} as const;

type Row = Omit<StopSwitchView, "engagedBy" | "releasedBy"> & { engagedBy: { name: string }; releasedBy: { name: string } | null };
const toView = (row: Row): StopSwitchView => ({ ...row, engagedBy: row.engagedBy.name, releasedBy: row.releasedBy?.name ?? null });

/** The switches engaged now, oldest first. */
export async function listEngagedStopSwitches(db: Db | Tx): Promise<StopSwitchView[]> {
  const rows = await db.stopSwitch.findMany({ where: { releasedAt: null }, orderBy: { engagedAt: "asc" }, select: viewSelect });
  return rows.map(toView);
}

/** The latest switches, engaged or released, newest first. */
export async function listRecentStopSwitches(db: Db, take: number): Promise<StopSwitchView[]> {
  const rows = await db.stopSwitch.findMany({ orderBy: { engagedAt: "desc" }, take, select: viewSelect });
  return rows.map(toView);
}

export async function insertStopSwitch(
  tx: Tx,
  engaged: { scope: StopScope; scopeValue: string | null; scopeName: string; reason: string; engagedById: string; engagedAt: Date },
): Promise<{ id: string }> {
  return tx.stopSwitch.create({ data: engaged, select: { id: true } });
}

export async function recordStopSwitchCounts(tx: Tx, id: string, counts: { endedQueued: number; stoppedRunning: number }): Promise<void> {
  await tx.stopSwitch.update({ where: { id }, data: counts, select: { id: true } });
}

/** Engaged -> released, once; false when it was already released (or does not exist). */
export async function markStopSwitchReleased(tx: Tx, id: string, release: { userId: string; reason: string; at: Date }): Promise<boolean> {
  const { count } = await tx.stopSwitch.updateMany({
    where: { id, releasedAt: null },
    data: { releasedAt: release.at, releasedById: release.userId, releaseReason: release.reason },
  });
  return count === 1;
}

export async function findStopSwitch(db: Db | Tx, id: string): Promise<StopSwitchView | null> {
  const row = await db.stopSwitch.findUnique({ where: { id }, select: viewSelect });
  return row && toView(row);
}

/**
 * The live runs not yet ended in a scope, in one statement whatever their
 * number: every one (ALL), a program's, those on hosts carrying a label, or
 * one host's. (A runbook scope would add its condition here.)
 */
export async function listOpenRunsInScope(tx: Tx, scope: StopScope, value: string | null): Promise<{ id: string; hostId: string; status: RunStatus }[]> {
  return tx.$queryRaw<{ id: string; hostId: string; status: RunStatus }[]>`
    SELECT r."id", r."hostId", r."status" FROM "Run" r
    JOIN "Host" h ON h."id" = r."hostId"
    LEFT JOIN "Revision" v ON v."id" = r."revisionId"
    WHERE r."kind" = 'LIVE' AND r."status" IN ('QUEUED', 'RUNNING')
      AND (${scope}::text = 'ALL'
        OR (${scope}::text = 'PROGRAM' AND v."programId" = ${value})
        OR (${scope}::text = 'HOST' AND r."hostId" = ${value})
        OR (${scope}::text = 'LABEL' AND ${value} = ANY(h."labels")))
    ORDER BY r."id"`;
}

/** QUEUED -> ENDED (stopped) for many runs, only those still queued; returns the ids ended now. */
export async function stopQueuedRuns(tx: Tx, runIds: readonly string[], detail: string, at: Date): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH locked AS (
      -- Rows locked in id order, as starts and ends lock them, so a stop switch never deadlocks with a fleet's starts.
      SELECT "id" FROM "Run" WHERE "id" = ANY(${[...runIds]}::text[]) ORDER BY "id" FOR UPDATE
    )
    UPDATE "Run" SET "status" = 'ENDED', "endReason" = 'STOPPED', "endDetail" = ${detail}, "endedAt" = ${at.toISOString().slice(0, 23)}::timestamp(3), "heldForCanary" = false
    WHERE "id" IN (SELECT "id" FROM locked) AND "status" = 'QUEUED'
    RETURNING "id"`;
  return rows.map((row) => row.id);
}
