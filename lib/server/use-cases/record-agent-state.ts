import "server-only";
import type { LocalStop } from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { findHostLocalStop, setHostLocalStop, type HostLocalStop } from "@/lib/server/data/hosts.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";

/**
 * The agent reported its local stop switch (in its hello, and as `agent:state`
 * whenever an operator on the host engages or releases it): stored on the
 * host, which the Hosts page shows, and audited when it changed. A repeat of
 * the same state (every reconnect says it again) changes nothing.
 *
 * `since` is the host's clock; a time ahead of the server's is taken as now,
 * so a wrong host clock cannot show a switch engaged "in the future".
 */
export async function recordAgentState(db: Db, agent: AgentIdentity, state: { localStop: LocalStop }, now = new Date()): Promise<{ changed: boolean }> {
  const reported: HostLocalStop | null = state.localStop.engaged
    ? { since: new Date(Math.min(state.localStop.since ?? now.getTime(), now.getTime())), reason: state.localStop.reason?.trim() || null }
    : null;
  return db.$transaction(async (tx) => {
    const stored = await findHostLocalStop(tx, agent.hostId);
    if (sameStop(stored, reported)) return { changed: false };
    await setHostLocalStop(tx, agent.hostId, reported);
    await appendAudit(tx, {
      actor: { type: "host", id: agent.hostId, name: agent.hostName },
      action: reported ? "host.local-stop.engage" : "host.local-stop.release",
      target: { type: "host", id: agent.hostId },
      fromState: stored ? "STOPPED_LOCALLY" : "ACTIVE",
      toState: reported ? "STOPPED_LOCALLY" : "ACTIVE",
      reason: reported?.reason ?? null,
      data: reported ? { since: reported.since.toISOString() } : null,
    });
    return { changed: true };
  });
}

function sameStop(a: HostLocalStop | null, b: HostLocalStop | null): boolean {
  if (!a || !b) return a === b;
  return a.since.getTime() === b.since.getTime() && a.reason === b.reason;
}
