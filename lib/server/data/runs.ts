import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { RunEndReason, RunStatus } from "@/lib/server/db/generated/enums.ts";
import type { Envelope } from "@/lib/protocol/dsse.ts";

export type NewRun = {
  id: string;
  revisionId: string;
  hostId: string;
  approvalId: string;
  envelope: Envelope;
  expiresAt: Date;
  /** The runbook launch that signed it, if one did. */
  launchId?: string | null;
};

/** The runs one approval or one runbook launch signed, queued, in one statement (a fleet is thousands of them). */
export async function insertRuns(tx: Tx, runs: readonly NewRun[]): Promise<void> {
  if (runs.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "Run" ("id", "revisionId", "hostId", "approvalId", "envelope", "expiresAt", "launchId")
    SELECT r."id", r."revisionId", r."hostId", r."approvalId", r."envelope"::jsonb, r."expiresAt", r."launchId"
    FROM unnest(
      ${runs.map((run) => run.id)}::text[],
      ${runs.map((run) => run.revisionId)}::text[],
      ${runs.map((run) => run.hostId)}::text[],
      ${runs.map((run) => run.approvalId)}::text[],
      ${runs.map((run) => JSON.stringify(run.envelope))}::text[],
      ${runs.map((run) => run.expiresAt.toISOString().slice(0, 23))}::timestamp(3)[],
      ${runs.map((run) => run.launchId ?? null)}::text[]
    ) AS r("id", "revisionId", "hostId", "approvalId", "envelope", "expiresAt", "launchId")`;
}

export type RunOrderRow = { runId: string; envelope: Envelope };

/** Signed orders waiting for this host, oldest first; none held behind a canary. */
export async function listQueuedOrders(db: Db, hostId: string, now: Date, limit = 50): Promise<RunOrderRow[]> {
  const runs = await db.run.findMany({
    where: { hostId, status: "QUEUED", heldForCanary: false, expiresAt: { gt: now } },
    orderBy: { createdAt: "asc" },
    take: limit,
    select: { id: true, envelope: true },
  });
  return runs.map((run) => ({ runId: run.id, envelope: run.envelope as Envelope }));
}

/** A time as Prisma stores DateTime columns (timestamp(3) without zone, in UTC), for raw statements. */
const utcTimestamp = (date: Date) => date.toISOString().slice(0, 23);

/**
 * QUEUED -> RUNNING for many runs at once, each only for its own host, only
 * while unexpired and not held behind its launch's canary; returns the ids that started (the rest were stopped,
 * expired, already running, or are not that host's).
 */
export async function markRunsStarted(tx: Tx, runs: readonly { runId: string; hostId: string }[], startedAt: Date): Promise<Set<string>> {
  if (runs.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH locked AS (
      -- Rows locked in one order, so batches of starts, stops and revocations never deadlock.
      SELECT "id" FROM "Run" WHERE "id" = ANY(${runs.map((run) => run.runId)}::text[]) ORDER BY "id" FOR UPDATE
    )
    UPDATE "Run" r SET "status" = 'RUNNING', "startedAt" = ${utcTimestamp(startedAt)}::timestamp(3)
    FROM unnest(${runs.map((run) => run.runId)}::text[], ${runs.map((run) => run.hostId)}::text[]) AS s("id", "hostId")
    WHERE r."id" = s."id" AND r."id" IN (SELECT "id" FROM locked) AND r."hostId" = s."hostId" AND r."status" = 'QUEUED' AND NOT r."heldForCanary" AND r."expiresAt" > ${utcTimestamp(startedAt)}::timestamp(3)
    RETURNING r."id"`;
  return new Set(rows.map((row) => row.id));
}

/** The host and state of each of these runs that exists. */
export async function findRunStates(tx: Db | Tx, runIds: readonly string[]): Promise<Map<string, { hostId: string | null; status: RunStatus; heldForCanary: boolean }>> {
  if (runIds.length === 0) return new Map();
  const rows = await tx.run.findMany({ where: { id: { in: [...runIds] } }, select: { id: true, hostId: true, status: true, heldForCanary: true } });
  return new Map(rows.map((row) => [row.id, { hostId: row.hostId, status: row.status, heldForCanary: row.heldForCanary }]));
}

export type RunToEnd = { id: string; hostId: string | null; status: RunStatus; stopReason: string | null };

/** These runs, locked until the transaction ends (an ending and a stop take turns on the row). */
export async function lockRunsToEnd(tx: Tx, runIds: readonly string[]): Promise<Map<string, RunToEnd>> {
  if (runIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<RunToEnd[]>`
    SELECT "id", "hostId", "status", "stopReason" FROM "Run" WHERE "id" = ANY(${[...runIds]}::text[]) ORDER BY "id" FOR UPDATE`;
  return new Map(rows.map((row) => [row.id, row]));
}

/** Any state but ENDED -> ENDED for many runs; returns the ids that ended now (the first ending wins). */
export async function markRunsEnded(tx: Tx, ends: readonly { runId: string; reason: RunEndReason; detail: string | null; endedAt: Date }[]): Promise<Set<string>> {
  if (ends.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Run" r SET "status" = 'ENDED', "endReason" = e."reason"::"RunEndReason", "endDetail" = e."detail", "endedAt" = e."endedAt"
    FROM unnest(
      ${ends.map((end) => end.runId)}::text[], ${ends.map((end) => end.reason)}::text[],
      ${ends.map((end) => end.detail)}::text[], ${ends.map((end) => utcTimestamp(end.endedAt))}::timestamp(3)[]
    ) AS e("id", "reason", "detail", "endedAt")
    WHERE r."id" = e."id" AND r."status" <> 'ENDED'
    RETURNING r."id"`;
  return new Set(rows.map((row) => row.id));
}

/** Any state but ENDED -> ENDED; false when it had already ended (the first ending wins). */
export async function markRunEnded(tx: Tx, where: { runId: string; hostId?: string }, end: { reason: RunEndReason; detail: string | null; endedAt: Date }): Promise<boolean> {
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

/**
 * A live run's host. The database holds every LIVE run to having one (trigger
 * "Run_origin"), and only live runs have a revision, an approval or a host;
 * a null here means a replay reached code meant for agents' runs.
 */
function liveHostId(run: { id: string; hostId: string | null }): string {
  if (run.hostId === null) throw new Error(`run ${run.id} has no host: a replay where a live run was expected`);
  return run.hostId;
}

export async function listRunsOfRevision(tx: Tx, revisionId: string): Promise<{ id: string; hostId: string; status: RunStatus }[]> {
  const runs = await tx.run.findMany({ where: { revisionId, status: { not: "ENDED" } }, select: { id: true, hostId: true, status: true } });
  return runs.map((run) => ({ id: run.id, hostId: liveHostId(run), status: run.status }));
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
  /** When the retention sweep deleted its frames. */
  framesPrunedAt: Date | null;
};

/** A run an agent ran on an enrolled host, under a signed approval. */
export type LiveRunView = RunState & {
  kind: "LIVE";
  hostId: string;
  /** Runs sharing it are one run of the program on several hosts (unless a runbook launch signed them: see launchId). */
  approvalId: string;
  /** The runbook launch that signed it: the runs of one launch are its batch. */
  launchId: string | null;
  program: { id: string; name: string };
  revision: { id: string; number: number; contentHash: string; source: string };
  approvedBy: string;
  replay: null;
};

/** A recorded capture a user uploaded: no host, revision or approval; `hostName` is the uploader's label for where it came from. */
export type ReplayRunView = RunState & {
  kind: "REPLAY";
  hostId: null;
  approvalId: null;
  launchId: null;
  program: null;
  revision: null;
  approvedBy: null;
  replay: { name: string; sourceHost: string | null; uploadedBy: { id: string; name: string }; program: string | null };
};

export type RunView = LiveRunView | ReplayRunView;

export const isLiveRun = (run: RunView): run is LiveRunView => run.kind === "LIVE";

const runViewSelect = {
  id: true,
  kind: true,
  hostId: true,
  approvalId: true,
  launchId: true,
  launch: { select: { durationSec: true } },
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
  framesPrunedAt: true,
  replayName: true,
  replaySourceHost: true,
  replayProgram: true,
  uploadedBy: { select: { id: true, name: true } },
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
  kind: "LIVE" | "REPLAY";
  hostId: string | null;
  approvalId: string | null;
  launchId: string | null;
  launch: { durationSec: number } | null;
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
  framesPrunedAt: Date | null;
  replayName: string | null;
  replaySourceHost: string | null;
  replayProgram: string | null;
  uploadedBy: { id: string; name: string } | null;
  host: { name: string } | null;
  stopRequestedBy: { name: string } | null;
  approval: { reviewer: { name: string } } | null;
  revision: { id: string; number: number; contentHash: string; source: string; durationSec: number; program: { id: string; name: string } } | null;
};

function toRunView(row: RunRow): RunView {
  const state = {
    id: row.id,
    status: row.status,
    endReason: row.endReason,
    endDetail: row.endDetail,
    stopRequestedAt: row.stopRequestedAt,
    stopRequestedBy: row.stopRequestedBy?.name ?? null,
    stopReason: row.stopReason,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    lastSeq: row.lastSeq,
    framesPrunedAt: row.framesPrunedAt,
  };
  if (row.kind === "REPLAY") {
    // A replay has no signed duration; it lasts as long as the capture.
    const durationSec = row.startedAt && row.endedAt ? Math.max(0, Math.round((row.endedAt.getTime() - row.startedAt.getTime()) / 1000)) : 0;
    return {
      ...state,
      kind: "REPLAY",
      hostId: null,
      hostName: row.replaySourceHost ?? "replay",
      durationSec,
      approvalId: null,
      launchId: null,
      program: null,
      revision: null,
      approvedBy: null,
      replay: {
        name: row.replayName ?? "replay",
        sourceHost: row.replaySourceHost,
        uploadedBy: row.uploadedBy ?? { id: "", name: "unknown" },
        program: row.replayProgram,
      },
    };
  }
  const { revision, host, approval } = row;
  // The "Run_origin" trigger guarantees these for a live run.
  if (!revision || !host || !approval || row.hostId === null || row.approvalId === null) {
    throw new Error(`live run ${row.id} lacks its revision, host or approval`);
  }
  return {
    ...state,
    kind: "LIVE",
    hostId: row.hostId,
    hostName: host.name,
    approvalId: row.approvalId,
    launchId: row.launchId,
    durationSec: row.launch?.durationSec ?? revision.durationSec,
    program: revision.program,
    revision: { id: revision.id, number: revision.number, contentHash: revision.contentHash, source: revision.source },
    approvedBy: approval.reviewer.name,
    replay: null,
  };
}

export async function getRunView(db: Db | Tx, runId: string): Promise<RunView | null> {
  const row = await db.run.findUnique({ where: { id: runId }, select: runViewSelect });
  return row && toRunView(row);
}

export async function listRunViews(
  db: Db,
  filter: { revisionIds?: string[]; status?: RunStatus; take?: number; approvalId?: string; kind?: "LIVE" | "REPLAY" },
): Promise<RunView[]> {
  const rows = await db.run.findMany({
    where: {
      ...(filter.revisionIds ? { revisionId: { in: filter.revisionIds } } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.approvalId ? { approvalId: filter.approvalId } : {}),
      ...(filter.kind ? { kind: filter.kind } : {}),
    },
    orderBy: { createdAt: "desc" },
    take: filter.take ?? 100,
    select: runViewSelect,
  });
  return rows.map(toRunView);
}

/** The run's host (null for a replay, which no agent runs) and state. */
export async function findRunHost(db: Db | Tx, runId: string): Promise<{ hostId: string | null; status: RunStatus } | null> {
  return db.run.findUnique({ where: { id: runId }, select: { hostId: true, status: true } });
}

/** RUNNING runs of a host; used when an agent reconnects to find runs it no longer has. */
export async function listActiveRunIds(db: Db, hostId: string): Promise<string[]> {
  const runs = await db.run.findMany({ where: { hostId, status: "RUNNING" }, select: { id: true } });
  return runs.map((run) => run.id);
}

/** Queued runs whose order expired before any agent started them. */
export async function expireQueuedRuns(tx: Tx, now: Date): Promise<{ id: string }[]> {
  // Read under the lock, in id order as every statement that changes many runs takes them
  // (starts, ends, stops, the frames' group commit), so no two wait on each other in a circle,
  // and a run an agent started a moment ago is not counted as expired.
  const expired = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Run" WHERE "status" = 'QUEUED' AND "expiresAt" <= ${utcTimestamp(now)}::timestamp(3) ORDER BY "id" FOR UPDATE`;
  if (expired.length === 0) return [];
  await tx.run.updateMany({
    where: { id: { in: expired.map((r) => r.id) } },
    data: { status: "ENDED", endReason: "EXPIRED", endDetail: "no agent started it before the order expired", endedAt: now },
  });
  return expired;
}

/** Every queued or running run of a host ends at once (its credential was revoked); returns their ids and former states. */
export async function endOpenRunsOfHost(tx: Tx, hostId: string, end: { reason: RunEndReason; detail: string; endedAt: Date }): Promise<{ id: string; status: RunStatus }[]> {
  // Locked in id order and read under the lock, as in expireQueuedRuns: the states returned are the ones ended.
  const open = await tx.$queryRaw<{ id: string; status: RunStatus }[]>`
    SELECT "id", "status" FROM "Run" WHERE "hostId" = ${hostId} AND "status" <> 'ENDED' ORDER BY "id" FOR UPDATE`;
  if (open.length === 0) return [];
  await tx.run.updateMany({
    where: { id: { in: open.map((run) => run.id) } },
    data: { status: "ENDED", endReason: end.reason, endDetail: end.detail, endedAt: end.endedAt },
  });
  return open;
}

// ---- replays (uploaded captures; see lib/views/run-origin.ts) ----

/** A replay starts RUNNING: its frames arrive while the upload goes on, and it ends when the upload does. */
export async function insertReplayRun(
  tx: Tx,
  replay: { id: string; uploadedById: string; name: string; sourceHost: string | null; program: string | null; startedAt: Date; expiresAt: Date },
): Promise<void> {
  await tx.run.create({
    data: {
      id: replay.id,
      kind: "REPLAY",
      status: "RUNNING",
      startedAt: replay.startedAt,
      expiresAt: replay.expiresAt,
      uploadedById: replay.uploadedById,
      replayName: replay.name,
      replaySourceHost: replay.sourceHost,
      replayProgram: replay.program,
    },
    select: { id: true },
  });
}

export type ReplayUpload = { kind: "LIVE" | "REPLAY"; uploadedById: string | null; status: RunStatus; lastSeq: number };

export async function findReplayUpload(db: Db | Tx, runId: string): Promise<ReplayUpload | null> {
  return db.run.findUnique({ where: { id: runId }, select: { kind: true, uploadedById: true, status: true, lastSeq: true } });
}

/**
 * Replays whose upload did not end within its window (the uploading tool died
 * or gave up) end as EXPIRED, keeping the frames uploaded so far.
 */
export async function endAbandonedReplayUploads(tx: Tx, now: Date): Promise<{ id: string; lastSeq: number }[]> {
  return tx.run.updateManyAndReturn({
    where: { kind: "REPLAY", status: "RUNNING", expiresAt: { lte: now } },
    data: { status: "ENDED", endReason: "EXPIRED", endDetail: "the upload did not finish within its window; the frames uploaded before it stopped are kept", endedAt: now },
    select: { id: true, lastSeq: true },
  });
}

// ---- batches: the runs one approval signed, or one replay ----

export type RunBatchSummary = {
  /** The approval's id, or the replay run's own id. */
  key: string;
  /** The batch's first run by host name, with what the list shows of it (program, revision, replay). */
  first: RunView;
  hosts: number;
  /** The first few hosts by name, with their runs' ids. */
  hostNames: string[];
  runIds: string[];
  queued: number;
  running: number;
  ended: number;
  startedAt: Date | null;
};

/**
 * The newest batches of runs, each summarised in the database: an approval
 * that signed 2,000 orders is one row with counts, not 2,000 rows to group in
 * the page. Filtered by revision (a program's runs) or kind.
 */
export async function listRunBatches(db: Db, filter: { revisionIds?: string[]; kind?: "LIVE" | "REPLAY"; take: number; hostNamesShown?: number }): Promise<RunBatchSummary[]> {
  const shown = filter.hostNamesShown ?? 12;
  const revisionIds = filter.revisionIds ?? null;
  const rows = await db.$queryRaw<
    { key: string; firstRunId: string; hosts: number; hostNames: string[]; runIds: string[]; queued: number; running: number; ended: number; startedAt: Date | null }[]
  >`
    SELECT COALESCE(r."launchId", r."approvalId", r."id") AS "key",
           (array_agg(r."id" ORDER BY COALESCE(h."name", r."replaySourceHost", ''), r."id"))[1] AS "firstRunId",
           count(*)::int AS "hosts",
           (array_agg(COALESCE(h."name", r."replaySourceHost", 'replay') ORDER BY COALESCE(h."name", r."replaySourceHost", ''), r."id"))[1:${shown}::int] AS "hostNames",
           (array_agg(r."id" ORDER BY COALESCE(h."name", r."replaySourceHost", ''), r."id"))[1:${shown}::int] AS "runIds",
           count(*) FILTER (WHERE r."status" = 'QUEUED')::int AS "queued",
           count(*) FILTER (WHERE r."status" = 'RUNNING')::int AS "running",
           count(*) FILTER (WHERE r."status" = 'ENDED')::int AS "ended",
           min(r."startedAt") AS "startedAt"
    FROM "Run" r LEFT JOIN "Host" h ON h."id" = r."hostId"
    WHERE (${revisionIds}::text[] IS NULL OR r."revisionId" = ANY(${revisionIds}::text[]))
      AND (${filter.kind ?? null}::text IS NULL OR r."kind"::text = ${filter.kind ?? null}::text)
    GROUP BY 1
    ORDER BY max(r."createdAt") DESC, 1
    LIMIT ${filter.take}::int`;
  const firsts = await db.run.findMany({ where: { id: { in: rows.map((row) => row.firstRunId) } }, select: runViewSelect });
  const byId = new Map(firsts.map((row) => [row.id, toRunView(row)]));
  return rows.flatMap((row) => {
    const first = byId.get(row.firstRunId);
    return first
      ? [
          {
            key: row.key,
            first,
            hosts: row.hosts,
            hostNames: row.hostNames,
            runIds: row.runIds,
            queued: row.queued,
            running: row.running,
            ended: row.ended,
            startedAt: row.startedAt,
          },
        ]
      : [];
  });
}

/**
 * RUNNING runs not yet asked to stop are asked, in one statement (a stop
 * switch over a fleet, an aborted canary); by a user, or by the server itself
 * (userId null). Returns the runs asked now, with their hosts to tell.
 */
export async function markRunsStopRequested(
  tx: Tx,
  runIds: readonly string[],
  request: { userId: string | null; reason: string; at: Date },
): Promise<{ id: string; hostId: string }[]> {
  if (runIds.length === 0) return [];
  return tx.$queryRaw<{ id: string; hostId: string }[]>`
    WITH locked AS (
      SELECT "id" FROM "Run" WHERE "id" = ANY(${[...runIds]}::text[]) ORDER BY "id" FOR UPDATE
    )
    UPDATE "Run" SET "stopRequestedAt" = ${utcTimestamp(request.at)}::timestamp(3), "stopRequestedById" = ${request.userId}, "stopReason" = ${request.reason}
    WHERE "id" IN (SELECT "id" FROM locked) AND "status" = 'RUNNING' AND "stopRequestedAt" IS NULL
    RETURNING "id", "hostId"`;
}
