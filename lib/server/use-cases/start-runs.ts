import "server-only";
import type { RunStart } from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { retryOnConflict } from "@/lib/server/db/errors.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { appendAuditBatch } from "@/lib/server/data/audit.ts";
import { notifyAllAfterCommit } from "@/lib/server/data/notify.ts";
import { findRunStates, markRunsStarted } from "@/lib/server/data/runs.ts";

export type StartAnswer = { start: boolean; reason: string | null };

/**
 * Agents ask before they start bpftrace. Only a QUEUED, unexpired run of the
 * asking agent's own host moves to RUNNING; a run stopped meanwhile answers
 * "do not start", so a stop racing a start never leaves bpftrace running.
 *
 * Many agents' questions are answered in one transaction (a fleet's hosts
 * all ask within a second of an approval): one conditional update for all of
 * them, their audit entries appended as one batch, their notifications in one
 * statement. A stop takes the run's row lock too, so each run ends up either
 * started or stopped, never both.
 */
export async function startRuns(db: Db, requests: readonly { agent: AgentIdentity; request: RunStart }[], now = new Date()): Promise<StartAnswer[]> {
  if (requests.length === 0) return [];
  // A deadlock victim wrote nothing: it runs again.
  return retryOnConflict(() =>
    db.$transaction(async (tx) => {
      const started = await markRunsStarted(
        tx,
        requests.map(({ agent, request }) => ({ runId: request.runId, hostId: agent.hostId })),
        now,
      );
      // Read back after the update: a run started here is RUNNING with its host, so
      // a repeat in the same batch, or another host naming it, is told why not.
      const states = await findRunStates(
        tx,
        requests.map(({ request }) => request.runId),
      );
      const startedBy = new Map<string, { agent: AgentIdentity; request: RunStart }>();
      for (const item of requests) {
        const run = states.get(item.request.runId);
        if (started.has(item.request.runId) && run?.hostId === item.agent.hostId && !startedBy.has(item.request.runId)) startedBy.set(item.request.runId, item);
      }
      const startedRequests = [...startedBy.values()];
      await appendAuditBatch(
        tx,
        startedRequests.map(({ agent, request }) => ({
          actor: { type: "host" as const, id: agent.hostId, name: agent.hostName },
          action: "run.start",
          target: { type: "run", id: request.runId },
          fromState: "QUEUED",
          toState: "RUNNING",
        })),
      );
      await notifyAllAfterCommit(
        tx,
        startedRequests.map(({ request }) => ({ type: "run.changed" as const, runId: request.runId })),
      );
      const answered = new Set<string>();
      return requests.map(({ agent, request }): StartAnswer => {
        const run = states.get(request.runId);
        if (!run || run.hostId !== agent.hostId) return { start: false, reason: "no such run for this host" };
        if (startedBy.has(request.runId) && !answered.has(request.runId)) {
          answered.add(request.runId);
          return { start: true, reason: null };
        }
        if (run.status === "RUNNING") return { start: false, reason: "the run has already started" };
        if (run.status === "ENDED") return { start: false, reason: "the run has ended (stopped or expired)" };
        if (run.heldForCanary) return { start: false, reason: "the run waits for its launch's canary" };
        return { start: false, reason: "the run order has expired" };
      });
    }),
  );
}
