import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { DryRunStatus } from "@/lib/server/db/generated/enums.ts";

export type DryRunFinding = { code: string; severity: "error" | "warning"; message: string; line: number; column: number };

export type DryRunView = {
  id: string;
  revisionId: string;
  hostId: string;
  hostName: string;
  status: DryRunStatus;
  probes: string[];
  probeCount: number | null;
  message: string | null;
  findings: DryRunFinding[];
  bpftraceVersion: string | null;
  elapsedMs: number | null;
  createdAt: Date;
  completedAt: Date | null;
  /**
   * The host whose agent reported the outcome and when the workbench received it; null while
   * waiting and when no agent answered. A dry run is that host's word, not the workbench's check.
   */
  reportedBy: { hostId: string; hostName: string; at: Date } | null;
};

const select = {
  id: true,
  revisionId: true,
  hostId: true,
  status: true,
  probes: true,
  probeCount: true,
  message: true,
  findings: true,
  bpftraceVersion: true,
  elapsedMs: true,
  createdAt: true,
  completedAt: true,
} as const;

type DryRunRow = Omit<DryRunView, "findings" | "hostName" | "reportedBy"> & { findings: unknown };

const REPORTED = new Set<DryRunStatus>(["OK", "FAILED", "REFUSED"]);

/** Dry runs keep the host's id (not a relation: a revoked host's results stay readable); names are looked up. */
async function toViews(db: Db | Tx, rows: DryRunRow[]): Promise<DryRunView[]> {
  const hosts = await db.host.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.hostId))] } }, select: { id: true, name: true } });
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  return rows.map((row) => {
    const hostName = names.get(row.hostId) ?? row.hostId;
    return {
      ...row,
      hostName,
      findings: Array.isArray(row.findings) ? (row.findings as DryRunFinding[]) : [],
      reportedBy: REPORTED.has(row.status) && row.completedAt ? { hostId: row.hostId, hostName, at: row.completedAt } : null,
    };
  });
}

export async function insertDryRun(tx: Db | Tx, dryRun: { revisionId: string; hostId: string; requestedById: string }): Promise<{ id: string }> {
  return tx.dryRun.create({ data: { ...dryRun, probes: [] }, select: { id: true } });
}

export async function getDryRun(db: Db | Tx, id: string): Promise<DryRunView | null> {
  const row = await db.dryRun.findUnique({ where: { id }, select });
  return row && (await toViews(db, [row]))[0]!;
}

export async function listDryRuns(db: Db, revisionId: string, take = 20): Promise<DryRunView[]> {
  const rows = await db.dryRun.findMany({ where: { revisionId }, orderBy: { createdAt: "desc" }, take, select });
  return toViews(db, rows);
}

/** The source to compile, for the realtime server that asks the agent. */
export async function findDryRunSource(db: Db, id: string): Promise<{ hostId: string; source: string; status: DryRunStatus } | null> {
  const dryRun = await db.dryRun.findUnique({ where: { id }, select: { hostId: true, revisionId: true, status: true } });
  if (!dryRun) return null;
  const revision = await db.revision.findUnique({ where: { id: dryRun.revisionId }, select: { source: true } });
  return revision && { hostId: dryRun.hostId, source: revision.source, status: dryRun.status };
}

/** PENDING -> a result, once: a late answer after the request timed out changes nothing. */
export async function completeDryRun(
  db: Db,
  id: string,
  result: {
    status: Exclude<DryRunStatus, "PENDING">;
    probes: string[];
    probeCount: number | null;
    message: string | null;
    findings: DryRunFinding[];
    bpftraceVersion: string | null;
    elapsedMs: number | null;
  },
  at: Date,
): Promise<boolean> {
  const { count } = await db.dryRun.updateMany({ where: { id, status: "PENDING" }, data: { ...result, completedAt: at } });
  return count === 1;
}

export async function revisionExists(db: Db | Tx, revisionId: string): Promise<boolean> {
  return (await db.revision.count({ where: { id: revisionId } })) === 1;
}
