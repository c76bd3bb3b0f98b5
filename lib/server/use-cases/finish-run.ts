import "server-only";
import type { AgentEndReason, RunEnd } from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { retryOnConflict } from "@/lib/server/db/errors.ts";
import type { RunEndReason } from "@/lib/server/db/generated/enums.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { appendAuditBatch } from "@/lib/server/data/audit.ts";
import { notifyAllAfterCommit } from "@/lib/server/data/notify.ts";
import { lockRunsToEnd, markRunsEnded } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

const END_REASONS: Record<AgentEndReason, RunEndReason> = {
  completed: "COMPLETED",
  "duration-limit": "DURATION_LIMIT",
  lost: "AGENT_LOST",
  stopped: "STOPPED",
  revoked: "REVOKED",
  "overhead-limit": "OVERHEAD_LIMIT",
  "output-limit": "OUTPUT_LIMIT",
  failed: "FAILED",
  refused: "REFUSED",
  expired: "EXPIRED",
};

/**
 * Agents report how runs ended. The first report of a run wins; a repeat
 * (after a reconnect) is a no-op; a report about another host's run is
 * refused (NOT_FOUND) without touching the others. Many agents' reports are
 * recorded in one transaction (a fleet's runs end together at their duration
 * limit): the runs locked, ended with one update, audited as one batch,
 * notified in one statement. Each report gets its own answer: null when
 * recorded (or already ended), else its error.
 */
export async function finishRuns(db: Db, reports: readonly { agent: AgentIdentity; report: RunEnd }[]): Promise<(AppError | null)[]> {
  if (reports.length === 0) return [];
  // A deadlock victim wrote nothing: it runs again.
  return retryOnConflict(() =>
    db.$transaction(async (tx) => {
      const runs = await lockRunsToEnd(
        tx,
        reports.map(({ report }) => report.runId),
      );
      const answers: (AppError | null)[] = [];
      const ends: { agent: AgentIdentity; runId: string; fromState: string; reason: RunEndReason; detail: string | null; endedAt: Date; lastSeq: number }[] = [];
      const seen = new Set<string>();
      for (const { agent, report } of reports) {
        const run = runs.get(report.runId);
        if (!run || run.hostId !== agent.hostId) {
          answers.push(new AppError("NOT_FOUND", "No such run for this host."));
          continue;
        }
        answers.push(null);
        if (run.status === "ENDED" || seen.has(run.id)) continue;
        seen.add(run.id);
        const reason = END_REASONS[report.reason];
        // Who stopped or revoked it is the server's knowledge; the agent only knows it was asked.
        const detail = (reason === "STOPPED" || reason === "REVOKED") && run.stopReason ? run.stopReason : report.detail;
        ends.push({ agent, runId: run.id, fromState: run.status, reason, detail, endedAt: new Date(report.endedAt), lastSeq: report.lastSeq });
      }
      const ended = await markRunsEnded(tx, ends);
      const recorded = ends.filter((end) => ended.has(end.runId));
      await appendAuditBatch(
        tx,
        recorded.map((end) => ({
          actor: { type: "host" as const, id: end.agent.hostId, name: end.agent.hostName },
          action: "run.end",
          target: { type: "run", id: end.runId },
          fromState: end.fromState,
          toState: "ENDED",
          reason: [end.reason, end.detail].filter(Boolean).join(": "),
          data: { lastSeq: end.lastSeq },
        })),
      );
      await notifyAllAfterCommit(
        tx,
        recorded.map((end) => ({ type: "run.changed" as const, runId: end.runId })),
      );
      return answers;
    }),
  );
}

/** One agent's report, on its own. */
export async function finishRun(db: Db, agent: AgentIdentity, report: RunEnd): Promise<void> {
  const [error] = await finishRuns(db, [{ agent, report }]);
  if (error) throw error;
}
