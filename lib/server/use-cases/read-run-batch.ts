import "server-only";
import type { RunSnapshotWithOrigin } from "@/lib/shared/run-origin.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { getRunView, listRunViews } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";
import { toRunSnapshot } from "@/lib/server/data/run-snapshots.ts";

/** Upper bound on the hosts one approval can target; the live view watches them all. */
const MAX_BATCH_RUNS = 500;

/**
 * A run and the runs signed with it: one approval signs one run per target
 * host at once, so the runs sharing its approval are one run of the program
 * on several hosts. A replay stands alone. The given run comes first, the
 * others by host name.
 */
export async function readRunBatch(db: Db, actor: Actor, runId: string): Promise<RunSnapshotWithOrigin[]> {
  authorize(actor, "run.read");
  const run = await getRunView(db, runId);
  if (!run) throw new AppError("NOT_FOUND", "No such run.");
  if (run.kind === "REPLAY") return [toRunSnapshot(run)];
  const siblings = await listRunViews(db, { approvalId: run.approvalId, take: MAX_BATCH_RUNS });
  const others = siblings.filter((sibling) => sibling.id !== run.id).sort((a, b) => a.hostName.localeCompare(b.hostName));
  return [run, ...others].map(toRunSnapshot);
}
