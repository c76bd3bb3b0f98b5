import "server-only";
import type { AgentEndReason, RunEnd } from "@/lib/shared/socket-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { RunEndReason } from "@/lib/server/db/generated/enums.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { getRunView, markRunEnded } from "@/lib/server/data/runs.ts";
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

/** The agent reports how a run ended. The first report wins; a repeat (after a reconnect) is a no-op. */
export async function finishRun(db: Db, agent: AgentIdentity, report: RunEnd): Promise<void> {
  await db.$transaction(async (tx) => {
    const run = await getRunView(tx, report.runId);
    if (!run || run.hostId !== agent.hostId) throw new AppError("NOT_FOUND", "No such run for this host.");
    const reason = END_REASONS[report.reason];
    // Who stopped or revoked it is the server's knowledge; the agent only knows it was asked.
    const detail = (reason === "STOPPED" || reason === "REVOKED") && run.stopReason ? run.stopReason : report.detail;
    const ended = await markRunEnded(tx, { runId: run.id, hostId: agent.hostId }, { reason, detail, endedAt: new Date(report.endedAt) });
    if (!ended) return;
    await appendAudit(tx, {
      actor: { type: "host", id: agent.hostId, name: agent.hostName },
      action: "run.end",
      target: { type: "run", id: run.id },
      fromState: run.status,
      toState: "ENDED",
      reason: [reason, detail].filter(Boolean).join(": "),
      data: { lastSeq: report.lastSeq },
    });
    await notifyAfterCommit(tx, { type: "run.changed", runId: run.id });
  });
}
