import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listAuditForTarget, type AuditEventView } from "@/lib/server/data/audit.ts";
import { getIncidentDetail, listIncidentSummaries, listIncidentsOfRun, type IncidentDetail, type IncidentSummary } from "@/lib/server/data/incidents.ts";
import { getRunView, type RunView } from "@/lib/server/data/runs.ts";
import type { IncidentStatus } from "@/lib/server/db/generated/enums.ts";
import { AppError } from "@/lib/server/errors.ts";

export async function listIncidents(db: Db, actor: Actor, filter: { status?: IncidentStatus }): Promise<IncidentSummary[]> {
  authorize(actor, "incident.read");
  return listIncidentSummaries(db, filter);
}

/** An attached run, with what produced it: the approved program (revision, approver) or, for a replay, who uploaded it. */
export type IncidentEvidence = {
  role: "INCIDENT" | "BASELINE";
  addedAt: Date;
  addedBy: string;
  run: RunView;
};

export type IncidentView = Omit<IncidentDetail, "runs"> & {
  evidence: IncidentEvidence[];
  /** Who did what to this incident, oldest first (the audit trail's entries for it). */
  activity: AuditEventView[];
};

export async function getIncident(db: Db, actor: Actor, incidentId: string): Promise<IncidentView> {
  authorize(actor, "incident.read");
  const incident = await getIncidentDetail(db, incidentId);
  if (!incident) throw new AppError("NOT_FOUND", "No such incident.");
  const runs = await Promise.all(incident.runs.map((link) => getRunView(db, link.runId)));
  const evidence = incident.runs.flatMap((link, i) => (runs[i] ? [{ role: link.role, addedAt: link.addedAt, addedBy: link.addedBy, run: runs[i] }] : []));
  const { runs: _runs, ...rest } = incident;
  return { ...rest, evidence, activity: await listAuditForTarget(db, "incident", [incidentId]) };
}

export async function listIncidentsForRun(db: Db, actor: Actor, runId: string) {
  authorize(actor, "incident.read");
  return listIncidentsOfRun(db, runId);
}
