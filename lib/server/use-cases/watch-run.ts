import "server-only";
import type { Frame } from "@/lib/shared/frame.ts";
import type { RunSnapshotWithOrigin } from "@/lib/shared/run-origin.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listLatestFrames } from "@/lib/server/frames/frame-store.ts";
import { getRunView, type RunView } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

/** How many recent frames a new viewer receives before live ones. */
export const SNAPSHOT_FRAMES = 600;

/** A run as browsers see it; a replay says so in `origin` (see lib/shared/run-origin.ts for its other fields). */
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
    origin: { kind: "live", batchId: run.approvalId },
  };
}

export async function getRunSnapshot(db: Db, actor: Actor, runId: string): Promise<RunSnapshotWithOrigin> {
  authorize(actor, "run.read");
  const run = await getRunView(db, runId);
  if (!run) throw new AppError("NOT_FOUND", "No such run.");
  return toRunSnapshot(run);
}

/** What a viewer needs to start watching: the run's state and its recent frames. */
export async function watchRun(db: Db, actor: Actor, runId: string): Promise<{ run: RunSnapshotWithOrigin; frames: Frame[] }> {
  const run = await getRunSnapshot(db, actor, runId);
  return { run, frames: await listLatestFrames(db, runId, SNAPSHOT_FRAMES) };
}
