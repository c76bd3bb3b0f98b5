import "server-only";
import type { AgentHello } from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { recordHostSeen } from "@/lib/server/data/hosts.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { listActiveRunIds, markRunEnded } from "@/lib/server/data/runs.ts";

/**
 * An agent (re)connected: store its host facts and probe catalog (the
 * tracepoints it has, read by lib/server/data/probe-catalog.ts for the editor
 * and the lint), and end every run the server believes is running on the
 * host but the agent no longer has (it restarted).
 */
export async function recordAgentHello(db: Db, agent: AgentIdentity, hello: AgentHello, now = new Date()): Promise<{ lostRunIds: string[] }> {
  await recordHostSeen(db, agent.hostId, {
    ...hello.facts,
    agentVersion: hello.agentVersion,
    trustSeq: hello.trustSeq ?? 0,
    ...(hello.catalog ? { tracepoints: hello.catalog.probes } : {}),
  });
  const active = new Set(hello.activeRunIds);
  const lost = (await listActiveRunIds(db, agent.hostId)).filter((runId) => !active.has(runId));
  for (const runId of lost) {
    await db.$transaction(async (tx) => {
      const detail = "the agent restarted while the run was active; bpftrace was stopped with it";
      if (await markRunEnded(tx, { runId, hostId: agent.hostId }, { reason: "AGENT_LOST", detail, endedAt: now })) {
        await appendAudit(tx, {
          actor: { type: "host", id: agent.hostId, name: agent.hostName },
          action: "run.end",
          target: { type: "run", id: runId },
          fromState: "RUNNING",
          toState: "ENDED",
          reason: detail,
        });
        await notifyAfterCommit(tx, { type: "run.changed", runId });
      }
    });
  }
  return { lostRunIds: lost };
}
