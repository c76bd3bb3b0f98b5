import "server-only";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listRunSnapshots } from "@/lib/server/data/run-snapshots.ts";
import { AppError } from "@/lib/server/errors.ts";
import { MAX_BATCH_RUNS } from "./watch-batch.ts";

/**
 * A run and the runs signed with it: one approval signs one run per target
 * host at once, so the runs sharing its approval are one run of the program
 * on several hosts (a fleet: up to MAX_BATCH_RUNS, as many as a batch watch
 * delivers). A replay stands alone. The given run comes first, the others by
 * host name. Snapshots only: no program text is read, so a fleet's page
 * loads in one small query.
 */
export async function readRunBatch(db: Db, actor: Actor, runId: string): Promise<RunSnapshotWithOrigin[]> {
  authorize(actor, "run.read");
  const [run] = await listRunSnapshots(db, { ids: [runId] });
  if (!run) throw new AppError("NOT_FOUND", "No such run.");
  if (run.origin.kind === "replay") return [run];
  const siblings = await listRunSnapshots(db, { batchId: run.origin.batchId, take: MAX_BATCH_RUNS });
  return [run, ...siblings.filter((sibling) => sibling.id !== run.id)];
}
