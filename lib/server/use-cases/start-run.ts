import "server-only";
import type { RunStart } from "@/lib/shared/socket-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findRunHost, markRunStarted } from "@/lib/server/data/runs.ts";

/**
 * The agent asks before it starts bpftrace. Only a QUEUED, unexpired run of
 * the agent's own host moves to RUNNING; a run stopped meanwhile answers
 * "do not start", so a stop racing a start never leaves bpftrace running.
 */
export async function startRun(db: Db, agent: AgentIdentity, request: RunStart, now = new Date()): Promise<{ start: boolean; reason: string | null }> {
  return db.$transaction(async (tx) => {
    if (await markRunStarted(tx, agent.hostId, request.runId, now)) {
      await appendAudit(tx, {
        actor: { type: "host", id: agent.hostId, name: agent.hostName },
        action: "run.start",
        target: { type: "run", id: request.runId },
        fromState: "QUEUED",
        toState: "RUNNING",
      });
      await notifyAfterCommit(tx, { type: "run.changed", runId: request.runId });
      return { start: true, reason: null };
    }
    const run = await findRunHost(tx, request.runId);
    if (!run || run.hostId !== agent.hostId) return { start: false, reason: "no such run for this host" };
    if (run.status === "RUNNING") return { start: false, reason: "the run has already started" };
    if (run.status === "ENDED") return { start: false, reason: "the run has ended (stopped or expired)" };
    return { start: false, reason: "the run order has expired" };
  });
}
