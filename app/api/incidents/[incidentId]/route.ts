import { getDb } from "@/lib/server/db/client.ts";
import { incidentAnswer, incidentStatusAnswer } from "@/lib/server/http/answers/incidents.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { incidentParams } from "@/lib/server/http/params.ts";
import { changeIncidentStatus, changeIncidentStatusSchema } from "@/lib/server/use-cases/change-incident-status.ts";
import { getIncident } from "@/lib/server/use-cases/read-incidents.ts";
import { toRunSnapshot } from "@/lib/server/data/run-snapshots.ts";

export const GET = defineRoute({ access: { kind: "user", action: "incident.read" }, params: incidentParams, answer: incidentAnswer }, async ({ actor, params }) => {
  const { evidence, ...incident } = await getIncident(getDb(), actor!, params.incidentId);
  return {
    incident: {
      ...incident,
      runs: evidence.map(({ run, ...link }) => ({
        ...link,
        run: toRunSnapshot(run),
        // What produced the evidence: the approved revision (and who approved it), or nothing for a replay.
        approval:
          run.kind === "LIVE"
            ? { programId: run.program.id, revisionId: run.revision.id, revisionNumber: run.revision.number, contentHash: run.revision.contentHash, approvedBy: run.approvedBy }
            : null,
      })),
    },
  };
});

export const PATCH = defineRoute(
  { access: { kind: "user", action: "incident.manage" }, params: incidentParams, body: changeIncidentStatusSchema, answer: incidentStatusAnswer },
  async ({ actor, params, body }) => changeIncidentStatus(getDb(), actor!, params.incidentId, body),
);
