import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listAuditForTarget, type AuditEventView } from "@/lib/server/data/audit.ts";
import {
  getProgramDetail,
  getRevision,
  listPrograms,
  listRevisionsWithStatus,
  type ProgramDetail,
  type ProgramListItem,
  type RevisionWithProgram,
} from "@/lib/server/data/programs.ts";
import type { RevisionStatus } from "@/lib/server/db/generated/enums.ts";
import { AppError } from "@/lib/server/errors.ts";
import { resolveRevisionTargets } from "./resolve-revision-targets.ts";

// The read side of programs and revisions: what pages and GET routes show.

export async function getProgram(db: Db, actor: Actor, programId: string): Promise<ProgramDetail & { history: AuditEventView[] }> {
  authorize(actor, "program.read");
  const program = await getProgramDetail(db, programId);
  if (!program) throw new AppError("NOT_FOUND", "No such program.");
  const history = await listAuditForTarget(
    db,
    "revision",
    program.revisions.map((r) => r.id),
  );
  return { ...program, history };
}

export async function getRevisionForReview(db: Db, actor: Actor, revisionId: string): Promise<RevisionWithProgram> {
  authorize(actor, "program.read");
  const revision = await getRevision(db, revisionId);
  if (!revision) throw new AppError("NOT_FOUND", "No such revision.");
  return revision;
}

export async function listProgramsFor(db: Db, actor: Actor, filter: { mine?: boolean; status?: RevisionStatus }): Promise<ProgramListItem[]> {
  authorize(actor, "program.read");
  return listPrograms(db, { ...(filter.mine ? { authorId: actor.id } : {}), ...(filter.status ? { status: filter.status } : {}) });
}

/** Pending revisions, oldest first: what reviewers have to decide. */
export async function listReviewQueue(db: Db, actor: Actor): Promise<RevisionWithProgram[]> {
  authorize(actor, "revision.review");
  return listRevisionsWithStatus(db, "PENDING");
}

export type RevisionTargetsNow = {
  /** Hosts an approval now would sign orders for. */
  count: number;
  /** Of the named hosts, those still enrolled and not revoked; and how many the selector matches. */
  named: number;
  matched: number;
  /** The first `limit` of them by name, each with its labels and whether the revision names it. */
  hosts: { id: string; name: string; labels: string[]; named: boolean }[];
  truncated: boolean;
};

/** What a revision's targets resolve to at this moment: the review page shows it, the approval resolves them again. */
export async function readRevisionTargetsNow(
  db: Db,
  actor: Actor,
  revision: { targets: { id: string }[]; targetSelector: string | null },
  limit = 100,
): Promise<RevisionTargetsNow> {
  authorize(actor, "program.read");
  const resolved = await resolveRevisionTargets(db, revision);
  const namedIds = new Set(revision.targets.map((host) => host.id));
  return {
    count: resolved.hosts.length,
    named: resolved.named,
    matched: resolved.matched,
    hosts: resolved.hosts.slice(0, limit).map((host) => ({ ...host, named: namedIds.has(host.id) })),
    truncated: resolved.hosts.length > limit,
  };
}
