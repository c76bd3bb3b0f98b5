import { getDb } from "@/lib/server/db/client.ts";
import { createdIncidentNoteAnswer } from "@/lib/server/http/answers/incidents.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { incidentParams } from "@/lib/server/http/params.ts";
import { addIncidentNote, addIncidentNoteSchema } from "@/lib/server/use-cases/add-incident-note.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "incident.manage" }, params: incidentParams, body: addIncidentNoteSchema, successStatus: 201, answer: createdIncidentNoteAnswer },
  async ({ actor, params, body }) => addIncidentNote(getDb(), actor!, params.incidentId, body),
);
