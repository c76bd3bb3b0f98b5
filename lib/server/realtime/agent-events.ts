import "server-only";
import { dryRunResultSchema } from "@/lib/protocol/agent-events.ts";
import type { Ack } from "@/lib/shared/sockets.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { findDryRunSource } from "@/lib/server/data/dry-runs.ts";
import type { WorkbenchEvent } from "@/lib/server/data/notify.ts";
import { logError, logInfo } from "@/lib/server/log.ts";
import { loadKeyring, type KeyringDeps } from "@/lib/server/signing/keyring.ts";
import { recordDryRunResult } from "@/lib/server/use-cases/record-dry-run-result.ts";
import { hostRoom, type AgentNamespace } from "./agent-namespace.ts";

/** A dry run compiles in the agent within its own timeout (15 s by default); this one covers the round trip. */
const DRY_RUN_ACK_TIMEOUT_MS = 22_000;

export type AgentEventDeps = { db: Db; keyring: KeyringDeps | undefined };

/**
 * Workbench events that concern agents beyond orders and stops: a key
 * rotation to announce, a dry run to relay, a revoked host to disconnect.
 * Every server process hears every event, so each acts on its own sockets
 * only (`local`). Returns false for events it does not handle.
 */
export function handleAgentEvent(agents: AgentNamespace, event: WorkbenchEvent, deps: AgentEventDeps): boolean {
  switch (event.type) {
    case "trust.rotated":
      // This process signs with the new key from now on (another process may have rotated), then agents pull the statement.
      void (deps.keyring ? loadKeyring(deps.db, deps.keyring) : Promise.resolve())
        .catch((error: unknown) => logError("could not reload the signing key after a rotation", error))
        .finally(() => agents.local.emit("trust:updated"));
      return true;
    case "dry-run.requested":
      relayDryRun(agents, deps.db, event.dryRunId, event.hostId).catch((error: unknown) => logError("dry run relay failed", error, { dryRunId: event.dryRunId }));
      return true;
    case "host.revoked": {
      // Say why before closing: the agent stops its runs and exits instead of retrying forever.
      const room = agents.local.in(hostRoom(event.hostId));
      room.emit("agent:revoked", { reason: event.reason ?? "this host's credential was revoked" });
      setTimeout(() => room.disconnectSockets(true), 200).unref();
      return true;
    }
    default:
      return false;
  }
}

async function relayDryRun(agents: AgentNamespace, db: Db, dryRunId: string, hostId: string): Promise<void> {
  const request = await findDryRunSource(db, dryRunId);
  if (!request || request.status !== "PENDING") return;
  // The process the host's agent is connected to relays it; with none anywhere in the cluster, any may say so (once: the result is recorded only while pending).
  const [socket] = await agents.local.in(hostRoom(hostId)).fetchSockets();
  if (!socket) {
    const elsewhere = await agents
      .in(hostRoom(hostId))
      .fetchSockets()
      .catch(() => []);
    if (elsewhere.length === 0) await recordDryRunResult(db, dryRunId, { unavailable: "no agent of this host is connected" });
    return;
  }
  let reply: Ack<unknown>;
  try {
    // A fetched socket answers like a broadcast: a list with its one acknowledgement.
    const replies: unknown = await socket.timeout(DRY_RUN_ACK_TIMEOUT_MS).emitWithAck("dryrun:request", { requestId: dryRunId, source: request.source });
    reply = (Array.isArray(replies) ? replies[0] : replies) as Ack<unknown>;
  } catch {
    await recordDryRunResult(db, dryRunId, { unavailable: `the agent did not answer within ${DRY_RUN_ACK_TIMEOUT_MS / 1000} s` });
    return;
  }
  if (!reply || typeof reply !== "object" || !reply.ok) {
    const message = reply && typeof reply === "object" && !reply.ok ? reply.error.message : "malformed answer";
    await recordDryRunResult(db, dryRunId, { unavailable: `the agent could not compile it: ${String(message).slice(0, 500)}` });
    return;
  }
  const result = dryRunResultSchema.safeParse(reply.value);
  if (!result.success) {
    await recordDryRunResult(db, dryRunId, { unavailable: `the agent's answer is malformed: ${result.error.issues[0]?.message}` });
    return;
  }
  await recordDryRunResult(db, dryRunId, { result: result.data });
  logInfo("dry run", { dryRunId, outcome: result.data.outcome, probes: result.data.probeCount });
}
