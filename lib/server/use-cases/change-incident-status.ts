import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { findIncidentStatus, updateIncidentStatus } from "@/lib/server/data/incidents.ts";
import { AppError } from "@/lib/server/errors.ts";

export const changeIncidentStatusSchema = z.object({ status: z.enum(["OPEN", "RESOLVED"], { error: 'status is "OPEN" or "RESOLVED"' }) }).strict();

/** Resolves an incident or opens it again. */
export async function changeIncidentStatus(
  db: Db,
  actor: Actor,
  incidentId: string,
  input: z.infer<typeof changeIncidentStatusSchema>,
  now = new Date(),
): Promise<{ status: "OPEN" | "RESOLVED" }> {
  authorize(actor, "incident.manage");
  return db.$transaction(async (tx) => {
    const current = await findIncidentStatus(tx, incidentId);
    if (!current) throw new AppError("NOT_FOUND", "No such incident.");
    if (await updateIncidentStatus(tx, incidentId, input.status, now)) {
      await appendAudit(tx, {
        actor: userActor(actor),
        action: input.status === "RESOLVED" ? "incident.resolve" : "incident.reopen",
        target: { type: "incident", id: incidentId },
        fromState: current,
        toState: input.status,
      });
    }
    return { status: input.status };
  });
}
