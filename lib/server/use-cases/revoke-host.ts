import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { findHost, revokeHostRecord } from "@/lib/server/data/hosts.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { endOpenRunsOfHost } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

/**
 * Revokes a host's agent credential: the agent can no longer connect, its
 * connected sockets are told why and closed, and it stops its runs. Its
 * queued and running runs end here at once as revoked (the agent cannot
 * report them any more). Audited.
 */
export async function revokeHost(db: Db, actor: Actor, hostId: string, now = new Date()): Promise<{ endedRunIds: string[] }> {
  authorize(actor, "host.revoke");
  return db.$transaction(async (tx) => {
    const host = await findHost(tx, hostId);
    if (!host) throw new AppError("NOT_FOUND", "No such host.");
    if (!(await revokeHostRecord(tx, hostId, now))) throw new AppError("CONFLICT", "This host's credential is already revoked.");
    const who = userActor(actor);
    const reason = `the credential of ${host.name} was revoked by ${actor.name}`;
    await appendAudit(tx, { actor: who, action: "host.revoke", target: { type: "host", id: hostId }, fromState: "ENROLLED", toState: "REVOKED" });
    const ended = await endOpenRunsOfHost(tx, hostId, { reason: "REVOKED", detail: reason, endedAt: now });
    for (const run of ended) {
      await appendAudit(tx, { actor: who, action: "run.end", target: { type: "run", id: run.id }, fromState: run.status, toState: "ENDED", reason });
      await notifyAfterCommit(tx, { type: "run.changed", runId: run.id });
    }
    await notifyAfterCommit(tx, { type: "host.revoked", hostId, reason });
    return { endedRunIds: ended.map((run) => run.id) };
  });
}
