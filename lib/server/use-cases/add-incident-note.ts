import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { findIncidentStatus, insertIncidentNote } from "@/lib/server/data/incidents.ts";
import { AppError } from "@/lib/server/errors.ts";

export const addIncidentNoteSchema = z
  .object({ body: z.string().trim().min(1, "Write something in the note.").max(20_000, "The note is longer than 20,000 characters.") })
  .strict();

export async function addIncidentNote(db: Db, actor: Actor, incidentId: string, input: z.infer<typeof addIncidentNoteSchema>): Promise<{ noteId: string }> {
  authorize(actor, "incident.manage");
  return db.$transaction(async (tx) => {
    if (!(await findIncidentStatus(tx, incidentId))) throw new AppError("NOT_FOUND", "No such incident.");
    const noteId = await insertIncidentNote(tx, { incidentId, authorId: actor.id, body: input.body });
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "incident.note",
      target: { type: "incident", id: incidentId },
      data: { noteId },
    });
    return { noteId };
  });
}
