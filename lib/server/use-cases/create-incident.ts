import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { insertIncident } from "@/lib/server/data/incidents.ts";

export const createIncidentSchema = z
  .object({
    title: z.string().trim().min(3, "Give the incident a title of at least 3 characters.").max(200, "The title is longer than 200 characters."),
    summary: z.string().trim().max(10_000, "The summary is longer than 10,000 characters.").default(""),
  })
  .strict();

export async function createIncident(db: Db, actor: Actor, input: z.infer<typeof createIncidentSchema>): Promise<{ incidentId: string }> {
  authorize(actor, "incident.manage");
  return db.$transaction(async (tx) => {
    const incidentId = await insertIncident(tx, { title: input.title, summary: input.summary, createdById: actor.id });
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "incident.create",
      target: { type: "incident", id: incidentId },
      toState: "OPEN",
      reason: input.title,
    });
    return { incidentId };
  });
}
