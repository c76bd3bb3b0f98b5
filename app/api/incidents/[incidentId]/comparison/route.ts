import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { incidentComparisonAnswer } from "@/lib/server/http/answers/incidents.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { incidentParams } from "@/lib/server/http/params.ts";
import { compareIncident } from "@/lib/server/use-cases/compare-incident.ts";

/** Baseline runs (merged) against incident runs (merged); `comparison: null` until both are attached. */
export const GET = defineRoute(
  {
    access: { kind: "user", action: "incident.read" },
    params: incidentParams,
    query: z.object({ map: z.string().min(1).max(256).optional(), key: z.string().max(1000).optional() }),
    answer: incidentComparisonAnswer,
  },
  async ({ actor, params, query }) => ({ comparison: await compareIncident(getDb(), actor!, params.incidentId, query) }),
);
