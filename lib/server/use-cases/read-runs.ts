import "server-only";
import type { Frame } from "@/lib/shared/frame.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listFrames } from "@/lib/server/frames/frame-reads.ts";
import { findRunHost, isLiveRun, listRunBatches, listRunViews, type LiveRunView, type RunBatchSummary, type RunView } from "@/lib/server/data/runs.ts";
import type { RunStatus } from "@/lib/server/db/generated/enums.ts";
import { AppError } from "@/lib/server/errors.ts";

/** Runs of given revisions are live runs (a replay has no revision). */
export async function listRuns(db: Db, actor: Actor, filter: { status?: RunStatus; revisionIds: string[] }): Promise<LiveRunView[]>;
export async function listRuns(db: Db, actor: Actor, filter: { status?: RunStatus; kind?: "LIVE" | "REPLAY"; take?: number }): Promise<RunView[]>;
export async function listRuns(db: Db, actor: Actor, filter: { status?: RunStatus; revisionIds?: string[]; kind?: "LIVE" | "REPLAY"; take?: number }): Promise<RunView[]> {
  authorize(actor, "run.read");
  const runs = await listRunViews(db, filter);
  return filter.revisionIds ? runs.filter(isLiveRun) : runs;
}

/**
 * Runs by batch, newest first: one row per approval (all its hosts' runs,
 * counted by state) or per replay. What the Runs and program pages list, so
 * an approval of 2,000 hosts is one row.
 */
export async function listRunBatchesFor(db: Db, actor: Actor, filter: { revisionIds?: string[]; take?: number }): Promise<RunBatchSummary[]> {
  authorize(actor, "run.read");
  return listRunBatches(db, { revisionIds: filter.revisionIds, take: filter.take ?? 100 });
}

export async function getRunFrames(db: Db, actor: Actor, runId: string, page: { afterSeq: number; limit: number }): Promise<Frame[]> {
  authorize(actor, "run.read");
  if (!(await findRunHost(db, runId))) throw new AppError("NOT_FOUND", "No such run.");
  return listFrames(db, runId, page);
}
