import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { getIncidentDetail } from "@/lib/server/data/incidents.ts";
import { AppError } from "@/lib/server/errors.ts";
import { compareRuns, type RunComparison } from "./compare-runs.ts";

/**
 * The incident's evidence against its baseline: every baseline run merged
 * (A) against every incident run merged (B), so percentile shifts read
 * "from baseline to incident". Null until both kinds of run are attached.
 */
export async function compareIncident(db: Db, actor: Actor, incidentId: string, select: { map?: string; key?: string }): Promise<RunComparison | null> {
  authorize(actor, "incident.read");
  const incident = await getIncidentDetail(db, incidentId);
  if (!incident) throw new AppError("NOT_FOUND", "No such incident.");
  const baseline = incident.runs.filter((run) => run.role === "BASELINE").map((run) => run.runId);
  const evidence = incident.runs.filter((run) => run.role === "INCIDENT").map((run) => run.runId);
  if (baseline.length === 0 || evidence.length === 0) return null;
  return compareRuns(db, actor, {
    a: { runIds: baseline },
    b: { runIds: evidence },
    map: select.map,
    key: select.key,
    labels: { a: "baseline", b: "incident" },
  });
}
