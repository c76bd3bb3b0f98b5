import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { deleteIncidentRun, findIncidentStatus } from "@/lib/server/data/incidents.ts";
import { AppError } from "@/lib/server/errors.ts";

export async function detachIncidentRun(db: Db, actor: Actor, incidentId: string, runId: string): Promise<void> {
  authorize(actor, "incident.manage");
  await db.$transaction(async (tx) => {
    if (!(await findIncidentStatus(tx, incidentId))) throw new AppError("NOT_FOUND", "No such incident.");
    const role = await deleteIncidentRun(tx, incidentId, runId);
    if (!role) throw new AppError("NOT_FOUND", "That run is not attached to this incident.");
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "incident.run.detach",
      target: { type: "incident", id: incidentId },
      fromState: role,
      reason: `run ${runId}`,
      data: { runId },
    });
  });
}
