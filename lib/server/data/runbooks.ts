import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import { Prisma } from "@/lib/server/db/generated/client.ts";
import type { RevisionStatus, RunEndReason, RunStatus } from "@/lib/server/db/generated/enums.ts";
import type { ParamValues, RunbookParam } from "@/lib/shared/runbook-params.ts";
import type { RunbookPolicy } from "@/lib/shared/runbook-policy.ts";
import { storedRunbookPolicy } from "./programs.ts";

// Runbooks are programs whose revisions carry a launch policy; launches are
// RunbookLaunch rows with one Run per host. Callers get plain objects.

/**
 * The runbook revision a launch signs from: the program's newest approved
 * revision with a policy, unless a newer one was approved and then revoked
 * (revoking the current runbook must not bring back the one it replaced).
 */
export async function findLaunchableRevisionId(db: Db | Tx, programId: string): Promise<string | null> {
  const row = await db.revision.findFirst({
    where: { programId, status: { in: ["APPROVED", "REVOKED"] }, runbookPolicy: { not: Prisma.DbNull } },
    orderBy: { number: "desc" },
    select: { id: true, status: true },
  });
  return row?.status === "APPROVED" ? row.id : null;
}

/** Launches of a revision that still have a run queued or running: those count against maxConcurrentLaunches. */
export async function countActiveLaunches(tx: Tx, revisionId: string): Promise<number> {
  return tx.runbookLaunch.count({ where: { revisionId, runs: { some: { status: { in: ["QUEUED", "RUNNING"] } } } } });
}

export async function insertLaunch(
  tx: Tx,
  launch: {
    id: string;
    revisionId: string;
    approvalId: string;
    launchedById: string;
    reason: string;
    values: ParamValues;
    durationSec: number;
    incidentId: string | null;
    createdAt: Date;
    endsAt: Date;
  },
): Promise<void> {
  await tx.runbookLaunch.create({ data: launch, select: { id: true } });
}

/** Attaches every run of a launch to an incident as evidence, in one statement. */
export async function attachLaunchRunsToIncident(tx: Tx, link: { incidentId: string; runIds: string[]; addedById: string }): Promise<void> {
  await tx.incidentRun.createMany({ data: link.runIds.map((runId) => ({ incidentId: link.incidentId, runId, role: "INCIDENT" as const, addedById: link.addedById })) });
}

export type LaunchSummary = {
  id: string;
  revisionNumber: number;
  launchedBy: string;
  reason: string;
  values: ParamValues;
  durationSec: number;
  incidentId: string | null;
  createdAt: Date;
  endsAt: Date;
  runs: { id: string; hostName: string | null; status: RunStatus; endReason: RunEndReason | null }[];
};

const launchSelect = {
  id: true,
  reason: true,
  values: true,
  durationSec: true,
  incidentId: true,
  createdAt: true,
  endsAt: true,
  revision: { select: { number: true } },
  launchedBy: { select: { name: true } },
  runs: { orderBy: { id: "asc" as const }, take: 50, select: { id: true, status: true, endReason: true, host: { select: { name: true } } } },
} as const;

type LaunchRow = {
  id: string;
  reason: string;
  values: unknown;
  durationSec: number;
  incidentId: string | null;
  createdAt: Date;
  endsAt: Date;
  revision: { number: number };
  launchedBy: { name: string };
  runs: { id: string; status: RunStatus; endReason: RunEndReason | null; host: { name: string } | null }[];
};

function toLaunchSummary(row: LaunchRow): LaunchSummary {
  return {
    id: row.id,
    revisionNumber: row.revision.number,
    launchedBy: row.launchedBy.name,
    reason: row.reason,
    values: row.values as ParamValues,
    durationSec: row.durationSec,
    incidentId: row.incidentId,
    createdAt: row.createdAt,
    endsAt: row.endsAt,
    runs: row.runs.map((run) => ({ id: run.id, hostName: run.host?.name ?? null, status: run.status, endReason: run.endReason })),
  };
}

export async function listLaunchesOfProgram(db: Db, programId: string, take = 20): Promise<LaunchSummary[]> {
  const rows = await db.runbookLaunch.findMany({ where: { revision: { programId } }, orderBy: { createdAt: "desc" }, take, select: launchSelect });
  return rows.map(toLaunchSummary);
}

export type RunLaunch = {
  launchId: string;
  programId: string;
  programName: string;
  revisionNumber: number;
  launchedBy: string;
  reason: string;
  values: ParamValues;
  params: RunbookParam[];
  incidentId: string | null;
};

/** What the run page shows of the launch that signed a run, or null for a run an approval signed. */
export async function findLaunchOfRun(db: Db, runId: string): Promise<RunLaunch | null> {
  const row = await db.run.findUnique({
    where: { id: runId },
    select: {
      launch: {
        select: {
          id: true,
          reason: true,
          values: true,
          incidentId: true,
          launchedBy: { select: { name: true } },
          revision: { select: { number: true, runbookPolicy: true, program: { select: { id: true, name: true } } } },
        },
      },
    },
  });
  const launch = row?.launch;
  if (!launch) return null;
  return {
    launchId: launch.id,
    programId: launch.revision.program.id,
    programName: launch.revision.program.name,
    revisionNumber: launch.revision.number,
    launchedBy: launch.launchedBy.name,
    reason: launch.reason,
    values: launch.values as ParamValues,
    params: storedRunbookPolicy(launch.revision.runbookPolicy)?.params ?? [],
    incidentId: launch.incidentId,
  };
}

export type RunbookListItem = {
  programId: string;
  name: string;
  /** The revision launches use now (the newest approved or revoked one), or else the newest one. */
  revisionId: string;
  revisionNumber: number;
  status: RevisionStatus;
  policy: RunbookPolicy;
  durationSec: number;
  targetSelector: string | null;
  targetNames: string[];
  /** Until when the approval lasts (the earliest valid approval's end); null when not approved. */
  validUntil: Date | null;
  launches: number;
  lastLaunchAt: Date | null;
};

/**
 * Every program that has a runbook revision, with the revision that counts:
 * the newest approved one if any, else the newest. Searched by name, by what
 * it measures and when to use it (case-insensitive), in the database.
 */
export async function listRunbooks(db: Db, filter: { search?: string }, now: Date): Promise<RunbookListItem[]> {
  const search = filter.search?.trim();
  const revisions = await db.revision.findMany({
    where: { runbookPolicy: { not: Prisma.DbNull } },
    orderBy: [{ programId: "asc" }, { number: "desc" }],
    select: {
      id: true,
      number: true,
      status: true,
      durationSec: true,
      targetSelector: true,
      runbookPolicy: true,
      programId: true,
      program: { select: { name: true } },
      targets: { select: { host: { select: { name: true } } } },
      reviews: { where: { decision: "APPROVE", revokedAt: null, validUntil: { gt: now } }, select: { validUntil: true } },
      _count: { select: { launches: true } },
      launches: { orderBy: { createdAt: "desc" }, take: 1, select: { createdAt: true } },
    },
  });
  // Per program (newest first): the newest approved or revoked revision, the one launches use or
  // used last (findLaunchableRevisionId); a program with neither shows its newest, proposed one.
  const decided = (status: RevisionStatus) => status === "APPROVED" || status === "REVOKED";
  const byProgram = new Map<string, (typeof revisions)[number]>();
  for (const revision of revisions) {
    const chosen = byProgram.get(revision.programId);
    if (!chosen || (!decided(chosen.status) && decided(revision.status))) byProgram.set(revision.programId, revision);
  }
  const items = [...byProgram.values()].map((revision): RunbookListItem => {
    const policy = storedRunbookPolicy(revision.runbookPolicy)!;
    const ends = revision.reviews.map((review) => review.validUntil?.getTime() ?? Number.POSITIVE_INFINITY);
    return {
      programId: revision.programId,
      name: revision.program.name,
      revisionId: revision.id,
      revisionNumber: revision.number,
      status: revision.status,
      policy,
      durationSec: revision.durationSec,
      targetSelector: revision.targetSelector,
      targetNames: revision.targets.map((target) => target.host.name).sort(),
      validUntil: revision.status === "APPROVED" && ends.length > 0 ? new Date(Math.min(...ends)) : null,
      launches: revision._count.launches,
      lastLaunchAt: revision.launches[0]?.createdAt ?? null,
    };
  });
  const needle = search?.toLowerCase();
  return items
    .filter((item) => !needle || [item.name, item.policy.measures, item.policy.whenToUse].some((text) => text.toLowerCase().includes(needle)))
    .sort((a, b) => a.name.localeCompare(b.name));
}
