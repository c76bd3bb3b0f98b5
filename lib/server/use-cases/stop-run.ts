import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findRunHost, markStopRequested, stopQueuedRun } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

/**
 * A queued run ends at once and never starts; a running one is asked to stop,
 * and its agent ends it (SIGINT, then SIGKILL) and reports back. Each step is
 * a conditional update, so a stop racing the agent's start lands in exactly
 * one of the two branches.
 */
export async function stopRun(db: Db, actor: Actor, runId: string, now = new Date()): Promise<{ status: "ENDED" | "STOPPING" }> {
  authorize(actor, "run.stop");
  return db.$transaction(async (tx) => {
    const run = await findRunHost(tx, runId);
    if (!run) throw new AppError("NOT_FOUND", "No such run.");
    if (run.hostId === null) throw new AppError("UNPROCESSABLE", "A replay runs on no host; it ends when its upload ends.");
    const who = userActor(actor);
    if (await stopQueuedRun(tx, runId, `stopped by ${actor.name} before it started`, now)) {
      await appendAudit(tx, { actor: who, action: "run.stop", target: { type: "run", id: runId }, fromState: "QUEUED", toState: "ENDED" });
      await notifyAfterCommit(tx, { type: "run.changed", runId });
      return { status: "ENDED" };
    }
    const reason = `stopped by ${actor.name}`;
    if (await markStopRequested(tx, runId, { userId: actor.id, reason, at: now })) {
      await appendAudit(tx, { actor: who, action: "run.stop", target: { type: "run", id: runId }, fromState: "RUNNING", toState: "STOPPING" });
      await notifyAfterCommit(tx, { type: "run.stop-requested", runId, hostId: run.hostId, cause: "user", reason });
      await notifyAfterCommit(tx, { type: "run.changed", runId });
      return { status: "STOPPING" };
    }
    // Either someone already asked (still running: nothing more to do) or it has ended.
    if ((await findRunHost(tx, runId))?.status === "RUNNING") return { status: "STOPPING" };
    throw new AppError("CONFLICT", "This run has already ended.");
  });
}
