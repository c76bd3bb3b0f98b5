import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { IncidentRunRole, IncidentStatus } from "@/lib/server/db/generated/enums.ts";

export type IncidentSummary = {
  id: string;
  title: string;
  status: IncidentStatus;
  createdAt: Date;
  createdBy: string;
  incidentRuns: number;
  baselineRuns: number;
  notes: number;
};

export type IncidentDetail = {
  id: string;
  title: string;
  summary: string;
  status: IncidentStatus;
  createdAt: Date;
  resolvedAt: Date | null;
  createdBy: { id: string; name: string };
  runs: { runId: string; role: IncidentRunRole; addedAt: Date; addedBy: string }[];
  notes: { id: string; body: string; createdAt: Date; author: string }[];
};

export async function insertIncident(tx: Tx, incident: { title: string; summary: string; createdById: string }): Promise<string> {
  const { id } = await tx.incident.create({ data: incident, select: { id: true } });
  return id;
}

export async function listIncidentSummaries(db: Db, filter: { status?: IncidentStatus; take?: number }): Promise<IncidentSummary[]> {
  const rows = await db.incident.findMany({
    where: filter.status ? { status: filter.status } : {},
    orderBy: { createdAt: "desc" },
    take: filter.take ?? 100,
    select: {
      id: true,
      title: true,
      status: true,
      createdAt: true,
      createdBy: { select: { name: true } },
      runs: { select: { role: true } },
      _count: { select: { notes: true } },
    },
  });
  return rows.map((row) => ({
    id: row.id,
    title: row.title,
    status: row.status,
    createdAt: row.createdAt,
    createdBy: row.createdBy.name,
    incidentRuns: row.runs.filter((run) => run.role === "INCIDENT").length,
    baselineRuns: row.runs.filter((run) => run.role === "BASELINE").length,
    notes: row._count.notes,
  }));
}

export async function getIncidentDetail(db: Db | Tx, incidentId: string): Promise<IncidentDetail | null> {
  const row = await db.incident.findUnique({
    where: { id: incidentId },
    select: {
      id: true,
      title: true,
      summary: true,
      status: true,
      createdAt: true,
      resolvedAt: true,
      createdBy: { select: { id: true, name: true } },
      runs: { orderBy: { addedAt: "asc" }, select: { runId: true, role: true, addedAt: true, addedBy: { select: { name: true } } } },
      notes: { orderBy: { createdAt: "asc" }, select: { id: true, body: true, createdAt: true, author: { select: { name: true } } } },
    },
  });
  if (!row) return null;
  return {
    ...row,
    runs: row.runs.map((run) => ({ runId: run.runId, role: run.role, addedAt: run.addedAt, addedBy: run.addedBy.name })),
    notes: row.notes.map((note) => ({ id: note.id, body: note.body, createdAt: note.createdAt, author: note.author.name })),
  };
}

export async function findIncidentStatus(tx: Db | Tx, incidentId: string): Promise<IncidentStatus | null> {
  const row = await tx.incident.findUnique({ where: { id: incidentId }, select: { status: true } });
  return row?.status ?? null;
}

/** Attaches a run, or changes its role; returns what it was before (null: not attached). */
export async function upsertIncidentRun(tx: Tx, link: { incidentId: string; runId: string; role: IncidentRunRole; addedById: string }): Promise<IncidentRunRole | null> {
  const existing = await tx.incidentRun.findUnique({
    where: { incidentId_runId: { incidentId: link.incidentId, runId: link.runId } },
    select: { role: true },
  });
  if (existing) {
    if (existing.role !== link.role) {
      await tx.incidentRun.update({ where: { incidentId_runId: { incidentId: link.incidentId, runId: link.runId } }, data: { role: link.role }, select: { runId: true } });
    }
    return existing.role;
  }
  await tx.incidentRun.create({ data: link, select: { runId: true } });
  return null;
}

/** Detaches a run; returns the role it had, or null when it was not attached. */
export async function deleteIncidentRun(tx: Tx, incidentId: string, runId: string): Promise<IncidentRunRole | null> {
  const existing = await tx.incidentRun.findUnique({ where: { incidentId_runId: { incidentId, runId } }, select: { role: true } });
  if (!existing) return null;
  await tx.incidentRun.delete({ where: { incidentId_runId: { incidentId, runId } }, select: { runId: true } });
  return existing.role;
}

export async function insertIncidentNote(tx: Tx, note: { incidentId: string; authorId: string; body: string }): Promise<string> {
  const { id } = await tx.incidentNote.create({ data: note, select: { id: true } });
  return id;
}

/** OPEN <-> RESOLVED; false when it already had that status. */
export async function updateIncidentStatus(tx: Tx, incidentId: string, status: IncidentStatus, at: Date): Promise<boolean> {
  const { count } = await tx.incident.updateMany({
    where: { id: incidentId, status: { not: status } },
    data: { status, resolvedAt: status === "RESOLVED" ? at : null },
  });
  return count === 1;
}

/** The incidents a run is evidence or baseline in, newest first. */
export async function listIncidentsOfRun(db: Db, runId: string): Promise<{ id: string; title: string; status: IncidentStatus; role: IncidentRunRole }[]> {
  const rows = await db.incidentRun.findMany({
    where: { runId },
    orderBy: { addedAt: "desc" },
    select: { role: true, incident: { select: { id: true, title: true, status: true } } },
  });
  return rows.map((row) => ({ ...row.incident, role: row.role }));
}
