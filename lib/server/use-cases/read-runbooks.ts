import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { getRevision } from "@/lib/server/data/programs.ts";
import { findLaunchOfRun, listLaunchesOfProgram, listRunbooks, type LaunchSummary, type RunLaunch, type RunbookListItem } from "@/lib/server/data/runbooks.ts";
import { listIncidentSummaries } from "@/lib/server/data/incidents.ts";
import { AppError } from "@/lib/server/errors.ts";
import { resolveRevisionTargets } from "./resolve-revision-targets.ts";

export async function listRunbooksFor(db: Db, actor: Actor, filter: { search?: string }, now = new Date()): Promise<RunbookListItem[]> {
  authorize(actor, "program.read");
  return listRunbooks(db, filter, now);
}

export type RunbookDetail = {
  runbook: RunbookListItem;
  /** The hosts its scope resolves to now (enrolled, not revoked), by name. */
  scopeHosts: { id: string; name: string }[];
  launches: LaunchSummary[];
  /** Whether this user may launch it now: approved, valid, and one of the policy's roles. */
  canLaunch: boolean;
  /** Open incidents, for linking a launch. */
  openIncidents: { id: string; title: string }[];
};

export async function readRunbook(db: Db, actor: Actor, programId: string, now = new Date()): Promise<RunbookDetail> {
  authorize(actor, "program.read");
  const runbook = (await listRunbooks(db, {}, now)).find((item) => item.programId === programId);
  if (!runbook) throw new AppError("NOT_FOUND", "No such runbook.");
  const revision = (await getRevision(db, runbook.revisionId))!;
  const { hosts } = await resolveRevisionTargets(db, revision);
  const canLaunch =
    runbook.status === "APPROVED" && runbook.validUntil !== null && runbook.validUntil > now && actor.roles.some((role) => runbook.policy.launchRoles.includes(role));
  const openIncidents = (await listIncidentSummaries(db, { status: "OPEN", take: 50 })).map(({ id, title }) => ({ id, title }));
  return { runbook, scopeHosts: hosts.map(({ id, name }) => ({ id, name })), launches: await listLaunchesOfProgram(db, programId), canLaunch, openIncidents };
}

/** The launch behind a run, for the run page; null for a run an approval signed. */
export async function readLaunchOfRun(db: Db, actor: Actor, runId: string): Promise<RunLaunch | null> {
  authorize(actor, "run.read");
  return findLaunchOfRun(db, runId);
}
