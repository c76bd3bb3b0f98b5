import "server-only";
import type { Frame } from "@/lib/shared/frame.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listLatestFrames } from "@/lib/server/frames/frame-reads.ts";
import { getRunView } from "@/lib/server/data/runs.ts";
import { toRunSnapshot } from "@/lib/server/data/run-snapshots.ts";
import { AppError } from "@/lib/server/errors.ts";

/** How many recent frames a new viewer receives before live ones. */
export const SNAPSHOT_FRAMES = 600;

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
