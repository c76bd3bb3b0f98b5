import "server-only";
import type { Frame } from "@/lib/shared/frame.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listFrames } from "@/lib/server/data/frames.ts";
import { findRunHost, listRunViews, type RunView } from "@/lib/server/data/runs.ts";
import type { RunStatus } from "@/lib/server/db/generated/enums.ts";
import { AppError } from "@/lib/server/errors.ts";

export async function listRuns(db: Db, actor: Actor, filter: { status?: RunStatus; revisionIds?: string[] }): Promise<RunView[]> {
  authorize(actor, "run.read");
  return listRunViews(db, filter);
}

export async function getRunFrames(db: Db, actor: Actor, runId: string, page: { afterSeq: number; limit: number }): Promise<Frame[]> {
  authorize(actor, "run.read");
  if (!(await findRunHost(db, runId))) throw new AppError("NOT_FOUND", "No such run.");
  return listFrames(db, runId, page);
}
