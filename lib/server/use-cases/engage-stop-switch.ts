import "server-only";
import { z } from "zod";
import { MAX_REASON_LENGTH } from "@/lib/shared/input-limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAuditBatch, type AuditEntry } from "@/lib/server/data/audit.ts";
import { notifyAllAfterCommit, type WorkbenchEvent } from "@/lib/server/data/notify.ts";
import { markRunsStopRequested } from "@/lib/server/data/runs.ts";
import { insertStopSwitch, listOpenRunsInScope, lockStopSwitchesExclusive, recordStopSwitchCounts, stopQueuedRuns } from "@/lib/server/data/stop-switches.ts";
import { resolveStopScope, stopScopeInput } from "./stop-switch-scope.ts";

const reason = (what: string) =>
  z
    .string({ error: `${what} needs a written reason.` })
    .trim()
    .min(1, `${what} needs a written reason.`)
    .max(MAX_REASON_LENGTH, `A reason is at most ${MAX_REASON_LENGTH} characters.`);

export const engageStopSwitchInput = z.object({ scope: stopScopeInput, reason: reason("Stopping everything") }).strict();
export type EngageStopSwitchInput = z.infer<typeof engageStopSwitchInput>;
export const stopSwitchReason = reason;

// A fleet's worth of runs stopped in one transaction: thousands of rows and NOTIFYs.
const ENGAGE_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

/**
 * Engages a stop switch: in one transaction, every queued run in its scope
 * ends and never starts, every running one is asked to stop (its agent sends
 * bpftrace SIGINT as soon as it hears, then SIGKILL after its grace), and
 * from the commit on no approval in the scope is signed until an admin
 * releases it. Each run's end says who stopped it and why. Runs in the scope
 * are found and changed with a few statements whatever their number.
 */
export async function engageStopSwitch(
  db: Db,
  actor: Actor,
  input: EngageStopSwitchInput,
  now = new Date(),
): Promise<{ switchId: string; endedQueued: number; stoppedRunning: number }> {
  authorize(actor, "stop-switch.engage");
  return db.$transaction(async (tx) => {
    // Approvals in flight commit first (their runs are then in the scope); later ones see this switch.
    await lockStopSwitchesExclusive(tx);
    const scope = await resolveStopScope(tx, input.scope);
    const engaged = await insertStopSwitch(tx, { scope: scope.scope, scopeValue: scope.value, scopeName: scope.name, reason: input.reason, engagedById: actor.id, engagedAt: now });
    const detail = `stopped by ${actor.name} with the stop switch for ${scope.name}: ${input.reason}`;
    const open = await listOpenRunsInScope(tx, scope.scope, scope.value);
    const ended = await stopQueuedRuns(
      tx,
      open.filter((run) => run.status === "QUEUED").map((run) => run.id),
      detail,
      now,
    );
    // A run that started between the read and the update is RUNNING now: asked to stop with the others.
    const endedSet = new Set(ended);
    const stopping = await markRunsStopRequested(
      tx,
      open.filter((run) => !endedSet.has(run.id)).map((run) => run.id),
      { userId: actor.id, reason: detail, at: now },
    );
    await recordStopSwitchCounts(tx, engaged.id, { endedQueued: ended.length, stoppedRunning: stopping.length });
    const who = { type: "user" as const, id: actor.id, name: actor.name };
    const audit: AuditEntry[] = [
      {
        actor: who,
        action: "stop-switch.engage",
        target: { type: "stop-switch", id: engaged.id },
        toState: "ENGAGED",
        reason: input.reason,
        data: { scope: scope.scope, scopeValue: scope.value, scopeName: scope.name, endedQueued: ended.length, stoppedRunning: stopping.length },
      },
      ...ended.map((id) => ({
        actor: who,
        action: "run.stop",
        target: { type: "run", id },
        fromState: "QUEUED",
        toState: "ENDED",
        reason: detail,
        data: { stopSwitchId: engaged.id },
      })),
      ...stopping.map((run) => ({
        actor: who,
        action: "run.stop",
        target: { type: "run", id: run.id },
        fromState: "RUNNING",
        toState: "STOPPING",
        reason: detail,
        data: { stopSwitchId: engaged.id },
      })),
    ];
    await appendAuditBatch(tx, audit);
    const events: WorkbenchEvent[] = [
      ...stopping.map((run) => ({ type: "run.stop-requested" as const, runId: run.id, hostId: run.hostId, cause: "user" as const, reason: detail })),
      ...ended.map((runId) => ({ type: "run.changed" as const, runId })),
      ...stopping.map((run) => ({ type: "run.changed" as const, runId: run.id })),
    ];
    await notifyAllAfterCommit(tx, events);
    return { switchId: engaged.id, endedQueued: ended.length, stoppedRunning: stopping.length };
  }, ENGAGE_TRANSACTION);
}
