import { getDb } from "@/lib/server/db/client.ts";
import { detachedIncidentRunAnswer } from "@/lib/server/http/answers/incidents.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { incidentRunParams } from "@/lib/server/http/params.ts";
import { detachIncidentRun } from "@/lib/server/use-cases/detach-incident-run.ts";

export const DELETE = defineRoute(
  { access: { kind: "user", action: "incident.manage" }, params: incidentRunParams, answer: detachedIncidentRunAnswer },
  async ({ actor, params }) => {
    await detachIncidentRun(getDb(), actor!, params.incidentId, params.runId);
    return { detached: true as const };
  },
);
