import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { findStopSwitch, markStopSwitchReleased } from "@/lib/server/data/stop-switches.ts";
import { AppError } from "@/lib/server/errors.ts";
import { stopSwitchReason } from "./engage-stop-switch.ts";

export const releaseStopSwitchInput = z.object({ reason: stopSwitchReason("Releasing the stop switch") }).strict();
export type ReleaseStopSwitchInput = z.infer<typeof releaseStopSwitchInput>;

/**
 * An admin releases an engaged switch: approvals in its scope are signed again.
 * Runs it stopped stay ended; nothing restarts by itself.
 */
export async function releaseStopSwitch(db: Db, actor: Actor, switchId: string, input: ReleaseStopSwitchInput, now = new Date()): Promise<{ released: true }> {
  authorize(actor, "stop-switch.release");
  return db.$transaction(async (tx) => {
    const engaged = await findStopSwitch(tx, switchId);
    if (!engaged) throw new AppError("NOT_FOUND", "No such stop switch.");
    if (!(await markStopSwitchReleased(tx, switchId, { userId: actor.id, reason: input.reason, at: now }))) {
      throw new AppError("CONFLICT", `This stop switch was already released by ${engaged.releasedBy ?? "someone"}.`);
    }
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "stop-switch.release",
      target: { type: "stop-switch", id: switchId },
      fromState: "ENGAGED",
      toState: "RELEASED",
      reason: input.reason,
      data: { scope: engaged.scope, scopeName: engaged.scopeName, engagedBy: engaged.engagedBy },
    });
    return { released: true };
  });
}
