import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { RunEndReason, RunStatus } from "@/lib/server/db/generated/enums.ts";

// Staged starts (docs/run-order.md, "Canary"): a Rollout row per approval with
// a canary rule, its runs flagged as canary or held. Every statement here
// works on a whole launch at once (a fleet is thousands of runs).

/** A time as Prisma stores DateTime columns (timestamp(3) without zone, in UTC), for raw statements. */
const utcTimestamp = (date: Date) => date.toISOString().slice(0, 23);

export async function insertRollout(tx: Tx, rollout: { approvalId: string | null; canaryHosts: string[]; periodSec: number; budgetPercent: number }): Promise<{ id: string }> {
  return tx.rollout.create({ data: rollout, select: { id: true } });
}

/**
 * The launch's queued runs join the rollout: those on the canary hosts as
 * canaries, the rest held (never handed to an agent until the canary passed).
 * One statement for the whole launch.
 */
export async function stageRuns(tx: Tx, rolloutId: string, runIds: readonly string[], canaryHostIds: readonly string[]): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Run" SET "rolloutId" = ${rolloutId},
                     "canary" = ("hostId" = ANY(${[...canaryHostIds]}::text[])),
                     "heldForCanary" = NOT ("hostId" = ANY(${[...canaryHostIds]}::text[]))
    WHERE "id" = ANY(${[...runIds]}::text[]) AND "status" = 'QUEUED'`;
}

export type UndecidedRollout = { id: string; approvalId: string | null; canaryHosts: string[]; periodSec: number; budgetPercent: number };

/** Rollouts whose canary has not been decided, oldest first. */
export async function listUndecidedRolloutIds(db: Db, limit: number): Promise<string[]> {
  const rows = await db.rollout.findMany({ where: { state: "CANARY" }, orderBy: { createdAt: "asc" }, take: limit, select: { id: true } });
  return rows.map((row) => row.id);
}

/**
 * The rollout, locked, if it is still undecided and no other transaction
 * holds it (SKIP LOCKED): of several server processes looking at once, one
 * decides and the others move on.
 */
export async function lockUndecidedRollout(tx: Tx, rolloutId: string): Promise<UndecidedRollout | null> {
  const rows = await tx.$queryRaw<UndecidedRollout[]>`
    SELECT "id", "approvalId", "canaryHosts", "periodSec", "budgetPercent" FROM "Rollout"
    WHERE "id" = ${rolloutId} AND "state" = 'CANARY' FOR UPDATE SKIP LOCKED`;
  return rows[0] ?? null;
}

export type CanaryRun = {
  id: string;
  hostId: string;
  hostName: string;
  status: RunStatus;
  startedAt: Date | null;
  endedAt: Date | null;
  endReason: RunEndReason | null;
  endDetail: string | null;
  frameKey: number;
};

export async function listCanaryRuns(db: Db | Tx, rolloutId: string): Promise<CanaryRun[]> {
  const rows = await db.run.findMany({
    where: { rolloutId, canary: true },
    orderBy: { id: "asc" },
    select: { id: true, hostId: true, status: true, startedAt: true, endedAt: true, endReason: true, endDetail: true, frameKey: true, host: { select: { name: true } } },
  });
  return rows.map(({ host, hostId, ...run }) => ({ ...run, hostId: hostId ?? "", hostName: host?.name ?? "" }));
}

/** CANARY -> PASSED or ABORTED, once; false when another transaction decided first. */
export async function recordRolloutDecision(
  tx: Tx,
  rolloutId: string,
  decision: { state: "PASSED" | "ABORTED"; sentence: string; canaryCpuPercent: number | null; at: Date },
): Promise<boolean> {
  const { count } = await tx.rollout.updateMany({
    where: { id: rolloutId, state: "CANARY" },
    data: { state: decision.state, decision: decision.sentence, canaryCpuPercent: decision.canaryCpuPercent, decidedAt: decision.at },
  });
  return count === 1;
}

/** The held runs of a passed rollout may start: returns their hosts, to tell their agents. */
export async function releaseHeldRuns(tx: Tx, rolloutId: string): Promise<{ id: string; hostId: string }[]> {
  return tx.$queryRaw<{ id: string; hostId: string }[]>`
    WITH locked AS (
      -- In id order, as every batch of starts, ends and stops locks runs, so a release never deadlocks with a stop switch.
      SELECT "id" FROM "Run" WHERE "rolloutId" = ${rolloutId} AND "heldForCanary" ORDER BY "id" FOR UPDATE
    )
    UPDATE "Run" SET "heldForCanary" = false
    WHERE "id" IN (SELECT "id" FROM locked) AND "heldForCanary" AND "status" = 'QUEUED'
    RETURNING "id", "hostId"`;
}

/** The held runs of an aborted rollout end without starting; returns their ids. */
export async function endHeldRuns(tx: Tx, rolloutId: string, detail: string, at: Date): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH locked AS (
      SELECT "id" FROM "Run" WHERE "rolloutId" = ${rolloutId} AND "heldForCanary" ORDER BY "id" FOR UPDATE
    )
    UPDATE "Run" SET "status" = 'ENDED', "endReason" = 'CANARY_ABORTED', "endDetail" = ${detail}, "endedAt" = ${utcTimestamp(at)}::timestamp(3), "heldForCanary" = false
    WHERE "id" IN (SELECT "id" FROM locked) AND "heldForCanary" AND "status" = 'QUEUED'
    RETURNING "id"`;
  return rows.map((row) => row.id);
}

export type RolloutView = {
  id: string;
  state: "CANARY" | "PASSED" | "ABORTED";
  canaryHosts: string[];
  periodSec: number;
  budgetPercent: number;
  decidedAt: Date | null;
  decision: string | null;
  canaryCpuPercent: number | null;
  /** Runs still held behind the canary. */
  held: number;
};

/** The rollout a run belongs to, as the run page shows it; null when its launch had no canary. */
export async function findRolloutOfRun(db: Db, runId: string): Promise<RolloutView | null> {
  const run = await db.run.findUnique({ where: { id: runId }, select: { rolloutId: true } });
  if (!run?.rolloutId) return null;
  const rollout = await db.rollout.findUnique({
    where: { id: run.rolloutId },
    select: { id: true, state: true, canaryHosts: true, periodSec: true, budgetPercent: true, decidedAt: true, decision: true, canaryCpuPercent: true },
  });
  if (!rollout) return null;
  const held = await db.run.count({ where: { rolloutId: rollout.id, heldForCanary: true, status: "QUEUED" } });
  return { ...rollout, held };
}
