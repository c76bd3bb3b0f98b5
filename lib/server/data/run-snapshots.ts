import "server-only";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { RunView } from "./runs.ts";

// Runs as browsers see them (RunSnapshotWithOrigin): from a RunView a page
// already has, or read on their own with only the columns a snapshot shows
// (never the program text), so a fleet of 5,000 runs reads in one small query.

/** A run as browsers see it; a replay says so in `origin` (lib/views/run-origin.ts). */
export function toRunSnapshot(run: RunView): RunSnapshotWithOrigin {
  const common = {
    id: run.id,
    hostName: run.hostName,
    status: run.status,
    endReason: run.endReason,
    endDetail: run.endDetail,
    durationSec: run.durationSec,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    endedAt: run.endedAt?.toISOString() ?? null,
    expiresAt: run.expiresAt.toISOString(),
    stopRequestedAt: run.stopRequestedAt?.toISOString() ?? null,
    stopRequestedBy: run.stopRequestedBy,
    lastSeq: run.lastSeq,
    framesPrunedAt: run.lastSeq > 0 ? (run.framesPrunedAt?.toISOString() ?? null) : null,
  };
  if (run.kind === "REPLAY") {
    return {
      ...common,
      programId: "",
      programName: run.replay.name,
      revisionNumber: 0,
      origin: { kind: "replay", name: run.replay.name, uploadedBy: run.replay.uploadedBy.name, sourceHost: run.replay.sourceHost },
    };
  }
  return {
    ...common,
    programId: run.program.id,
    programName: run.program.name,
    revisionNumber: run.revision.number,
    origin: { kind: "live", batchId: run.launchId ?? run.approvalId },
  };
}

const snapshotSelect = {
  id: true,
  kind: true,
  approvalId: true,
  launchId: true,
  launch: { select: { durationSec: true } },
  status: true,
  endReason: true,
  endDetail: true,
  stopRequestedAt: true,
  createdAt: true,
  expiresAt: true,
  startedAt: true,
  endedAt: true,
  lastSeq: true,
  framesPrunedAt: true,
  replayName: true,
  replaySourceHost: true,
  uploadedBy: { select: { name: true } },
  host: { select: { name: true } },
  stopRequestedBy: { select: { name: true } },
  revision: { select: { number: true, durationSec: true, program: { select: { id: true, name: true } } } },
} as const;

type SnapshotRow = {
  id: string;
  kind: "LIVE" | "REPLAY";
  approvalId: string | null;
  launchId: string | null;
  launch: { durationSec: number } | null;
  status: RunSnapshotWithOrigin["status"];
  endReason: string | null;
  endDetail: string | null;
  stopRequestedAt: Date | null;
  createdAt: Date;
  expiresAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  lastSeq: number;
  framesPrunedAt: Date | null;
  replayName: string | null;
  replaySourceHost: string | null;
  uploadedBy: { name: string } | null;
  host: { name: string } | null;
  stopRequestedBy: { name: string } | null;
  revision: { number: number; durationSec: number; program: { id: string; name: string } } | null;
};

function fromRow(row: SnapshotRow): RunSnapshotWithOrigin {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  const common = {
    id: row.id,
    status: row.status,
    endReason: row.endReason,
    endDetail: row.endDetail,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
    expiresAt: row.expiresAt.toISOString(),
    stopRequestedAt: iso(row.stopRequestedAt),
    stopRequestedBy: row.stopRequestedBy?.name ?? null,
    lastSeq: row.lastSeq,
    framesPrunedAt: row.lastSeq > 0 ? iso(row.framesPrunedAt) : null,
  };
  if (row.kind === "REPLAY" || !row.revision || !row.approvalId) {
    const name = row.replayName ?? "replay";
    return {
      ...common,
      hostName: row.replaySourceHost ?? "replay",
      // A replay has no signed duration; it lasts as long as the capture.
      durationSec: row.startedAt && row.endedAt ? Math.max(0, Math.round((row.endedAt.getTime() - row.startedAt.getTime()) / 1000)) : 0,
      programId: "",
      programName: name,
      revisionNumber: 0,
      origin: { kind: "replay", name, uploadedBy: row.uploadedBy?.name ?? "unknown", sourceHost: row.replaySourceHost },
    };
  }
  return {
    ...common,
    hostName: row.host?.name ?? "",
    // A runbook launch signs its own duration, at most the revision's.
    durationSec: row.launch?.durationSec ?? row.revision.durationSec,
    programId: row.revision.program.id,
    programName: row.revision.program.name,
    revisionNumber: row.revision.number,
    origin: { kind: "live", batchId: row.launchId ?? row.approvalId },
  };
}

/** Snapshots of these runs (any order), or of every run of a batch by host name, at most `take`. */
export async function listRunSnapshots(db: Db, filter: { ids: readonly string[] } | { batchId: string; take: number }): Promise<RunSnapshotWithOrigin[]> {
  const rows = await db.run.findMany({
    // A batch id is a runbook launch's id, or an approval's for the runs it signed itself.
    where: "ids" in filter ? { id: { in: [...filter.ids] } } : { OR: [{ launchId: filter.batchId }, { approvalId: filter.batchId, launchId: null }] },
    ...("ids" in filter ? {} : { orderBy: { host: { name: "asc" } }, take: filter.take }),
    select: snapshotSelect,
  });
  return rows.map(fromRow);
}
