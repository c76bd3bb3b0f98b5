import { getDb } from "@/lib/server/db/client.ts";
import { attachedIncidentRunAnswer } from "@/lib/server/http/answers/incidents.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { incidentParams } from "@/lib/server/http/params.ts";
import { attachIncidentRun, attachIncidentRunSchema } from "@/lib/server/use-cases/attach-incident-run.ts";

/** Attaches a run as evidence (`INCIDENT`) or `BASELINE`; again with the other role moves it. */
export const POST = defineRoute(
  { access: { kind: "user", action: "incident.manage" }, params: incidentParams, body: attachIncidentRunSchema, answer: attachedIncidentRunAnswer },
  async ({ actor, params, body }) => attachIncidentRun(getDb(), actor!, params.incidentId, body),
);
