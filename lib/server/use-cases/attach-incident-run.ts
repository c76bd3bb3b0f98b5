import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { findIncidentStatus, upsertIncidentRun } from "@/lib/server/data/incidents.ts";
import { findRunHost } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

export const attachIncidentRunSchema = z
  .object({
    runId: z.string().trim().min(1, "Name the run to attach.").max(64),
    role: z.enum(["INCIDENT", "BASELINE"], { error: 'role is "INCIDENT" (evidence) or "BASELINE" (what normal looks like)' }),
  })
  .strict();

/** Attaches a run as evidence or baseline; attaching it again with the other role moves it. */
export async function attachIncidentRun(
  db: Db,
  actor: Actor,
  incidentId: string,
  input: z.infer<typeof attachIncidentRunSchema>,
): Promise<{ role: "INCIDENT" | "BASELINE"; previousRole: "INCIDENT" | "BASELINE" | null }> {
  authorize(actor, "incident.manage");
  return db.$transaction(async (tx) => {
    if (!(await findIncidentStatus(tx, incidentId))) throw new AppError("NOT_FOUND", "No such incident.");
    if (!(await findRunHost(tx, input.runId))) throw new AppError("UNPROCESSABLE", `There is no run ${input.runId}.`);
    const previousRole = await upsertIncidentRun(tx, { incidentId, runId: input.runId, role: input.role, addedById: actor.id });
    if (previousRole !== input.role) {
      await appendAudit(tx, {
        actor: userActor(actor),
        action: previousRole ? "incident.run.role" : "incident.run.attach",
        target: { type: "incident", id: incidentId },
        fromState: previousRole,
        toState: input.role,
        reason: `run ${input.runId}`,
        data: { runId: input.runId },
      });
    }
    return { role: input.role, previousRole };
  });
}
