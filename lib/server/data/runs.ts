import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { RunEndReason, RunStatus } from "@/lib/server/db/generated/enums.ts";
import type { Envelope } from "@/lib/shared/dsse.ts";

export async function insertRun(
  tx: Tx,
  run: { id: string; revisionId: string; hostId: string; approvalId: string; envelope: Envelope; expiresAt: Date },
): Promise<void> {
  await tx.run.create({ data: run, select: { id: true } });
}

export type RunOrderRow = { runId: string; envelope: Envelope };

/** Signed orders waiting for this host, oldest first. */
export async function listQueuedOrders(db: Db, hostId: string, now: Date): Promise<RunOrderRow[]> {
  const runs = await db.run.findMany({
    where: { hostId, status: "QUEUED", expiresAt: { gt: now } },
    orderBy: { createdAt: "asc" },
    take: 50,
    select: { id: true, envelope: true },
  });
  return runs.map((run) => ({ runId: run.id, envelope: run.envelope as Envelope }));
}

/** QUEUED -> RUNNING for the run's own host only; false if the run was stopped, expired or is not this host's. */
export async function markRunStarted(tx: Tx, hostId: string, runId: string, startedAt: Date): Promise<boolean> {
  const { count } = await tx.run.updateMany({
    where: { id: runId, hostId, status: "QUEUED", expiresAt: { gt: startedAt } },
    data: { status: "RUNNING", startedAt },
  });
  return count === 1;
}

/** Any state but ENDED -> ENDED; false when it had already ended (the first ending wins). */
export async function markRunEnded(
  tx: Tx,
  where: { runId: string; hostId?: string },
  end: { reason: RunEndReason; detail: string | null; endedAt: Date },
): Promise<boolean> {
  const { count } = await tx.run.updateMany({
    where: { id: where.runId, ...(where.hostId ? { hostId: where.hostId } : {}), status: { not: "ENDED" } },
    data: { status: "ENDED", endReason: end.reason, endDetail: end.detail, endedAt: end.endedAt },
  });
  return count === 1;
}

/** QUEUED -> ENDED (stopped or revoked) only while it is still queued. */
export async function stopQueuedRun(tx: Tx, runId: string, detail: string, at: Date, reason: "STOPPED" | "REVOKED" = "STOPPED"): Promise<boolean> {
  const { count } = await tx.run.updateMany({
    where: { id: runId, status: "QUEUED" },
    data: { status: "ENDED", endReason: reason, endDetail: detail, endedAt: at },
  });
  return count === 1;
}

export async function listRunsOfRevision(tx: Tx, revisionId: string): Promise<{ id: string; hostId: string; status: RunStatus }[]> {
  return tx.run.findMany({ where: { revisionId, status: { not: "ENDED" } }, select: { id: true, hostId: true, status: true } });
}

export async function markStopRequested(tx: Tx, runId: string, request: { userId: string; reason: string; at: Date }): Promise<boolean> {
  const { count } = await tx.run.updateMany({
    where: { id: runId, status: "RUNNING", stopRequestedAt: null },
    data: { stopRequestedAt: request.at, stopRequestedById: request.userId, stopReason: request.reason },
  });
  return count === 1;
}

export type RunState = {
  id: string;
  hostId: string;
  hostName: string;
  status: RunStatus;
  endReason: RunEndReason | null;
  endDetail: string | null;
  stopRequestedAt: Date | null;
  stopRequestedBy: string | null;
  stopReason: string | null;
  durationSec: number;
  createdAt: Date;
  expiresAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  lastSeq: number;
};

export type RunView = RunState & {
  program: { id: string; name: string };
  revision: { id: string; number: number; contentHash: string; source: string };
  approvedBy: string;
};

const runViewSelect = {
  id: true,
  hostId: true,
  status: true,
  endReason: true,
  endDetail: true,
  stopRequestedAt: true,
  stopReason: true,
  createdAt: true,
  expiresAt: true,
  startedAt: true,
  endedAt: true,
  lastSeq: true,
  host: { select: { name: true } },
  stopRequestedBy: { select: { name: true } },
  approval: { select: { reviewer: { select: { name: true } } } },
  revision: {
    select: {
      id: true,
      number: true,
      contentHash: true,
      source: true,
      durationSec: true,
      program: { select: { id: true, name: true } },
    },
  },
} as const;

type RunRow = {
  id: string;
  hostId: string;
  status: RunStatus;
  endReason: RunEndReason | null;
  endDetail: string | null;
  stopRequestedAt: Date | null;
  stopReason: string | null;
  createdAt: Date;
  expiresAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  lastSeq: number;
  host: { name: string };
  stopRequestedBy: { name: string } | null;
  approval: { reviewer: { name: string } };
  revision: { id: string; number: number; contentHash: string; source: string; durationSec: number; program: { id: string; name: string } };
};

function toRunView(row: RunRow): RunView {
  return {
    id: row.id,
    hostId: row.hostId,
    hostName: row.host.name,
    status: row.status,
    endReason: row.endReason,
    endDetail: row.endDetail,
    stopRequestedAt: row.stopRequestedAt,
    stopRequestedBy: row.stopRequestedBy?.name ?? null,
    stopReason: row.stopReason,
    durationSec: row.revision.durationSec,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    lastSeq: row.lastSeq,
    program: row.revision.program,
    revision: { id: row.revision.id, number: row.revision.number, contentHash: row.revision.contentHash, source: row.revision.source },
    approvedBy: row.approval.reviewer.name,
  };
}

export async function getRunView(db: Db | Tx, runId: string): Promise<RunView | null> {
  const row = await db.run.findUnique({ where: { id: runId }, select: runViewSelect });
  return row && toRunView(row);
}

export async function listRunViews(db: Db, filter: { revisionIds?: string[]; status?: RunStatus; take?: number }): Promise<RunView[]> {
  const rows = await db.run.findMany({
    where: {
      ...(filter.revisionIds ? { revisionId: { in: filter.revisionIds } } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    },
    orderBy: { createdAt: "desc" },
    take: filter.take ?? 100,
    select: runViewSelect,
  });
  return rows.map(toRunView);
}

export async function findRunHost(db: Db | Tx, runId: string): Promise<{ hostId: string; status: RunStatus } | null> {
  return db.run.findUnique({ where: { id: runId }, select: { hostId: true, status: true } });
}

/** RUNNING runs of a host; used when an agent reconnects to find runs it no longer has. */
export async function listActiveRunIds(db: Db, hostId: string): Promise<string[]> {
  const runs = await db.run.findMany({ where: { hostId, status: "RUNNING" }, select: { id: true } });
  return runs.map((run) => run.id);
}

/** Queued runs whose order expired before any agent started them. */
export async function expireQueuedRuns(tx: Tx, now: Date): Promise<{ id: string }[]> {
  const expired = await tx.run.findMany({ where: { status: "QUEUED", expiresAt: { lte: now } }, select: { id: true } });
  if (expired.length === 0) return [];
  await tx.run.updateMany({
    where: { id: { in: expired.map((r) => r.id) }, status: "QUEUED" },
    data: { status: "ENDED", endReason: "EXPIRED", endDetail: "no agent started it before the order expired", endedAt: now },
  });
  return expired;
}
