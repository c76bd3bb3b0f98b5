import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { createdIncidentAnswer, incidentListAnswer } from "@/lib/server/http/answers/incidents.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { createIncident, createIncidentSchema } from "@/lib/server/use-cases/create-incident.ts";
import { listIncidents } from "@/lib/server/use-cases/read-incidents.ts";

export const GET = defineRoute(
  { access: { kind: "user", action: "incident.read" }, query: z.object({ status: z.enum(["OPEN", "RESOLVED"]).optional() }), answer: incidentListAnswer },
  async ({ actor, query }) => ({ incidents: await listIncidents(getDb(), actor!, query) }),
);

export const POST = defineRoute(
  { access: { kind: "user", action: "incident.manage" }, body: createIncidentSchema, successStatus: 201, answer: createdIncidentAnswer },
  async ({ actor, body }) => createIncident(getDb(), actor!, body),
);
