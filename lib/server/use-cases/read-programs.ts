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

// The read side of programs and revisions: what pages and GET routes show.

export async function getProgram(db: Db, actor: Actor, programId: string): Promise<ProgramDetail & { history: AuditEventView[] }> {
  authorize(actor, "program.read");
  const program = await getProgramDetail(db, programId);
  if (!program) throw new AppError("NOT_FOUND", "No such program.");
  const history = await listAuditForTarget(db, "revision", program.revisions.map((r) => r.id));
  return { ...program, history };
}

export async function getRevisionForReview(db: Db, actor: Actor, revisionId: string): Promise<RevisionWithProgram> {
  authorize(actor, "program.read");
  const revision = await getRevision(db, revisionId);
  if (!revision) throw new AppError("NOT_FOUND", "No such revision.");
  return revision;
}

export async function listProgramsFor(
  db: Db,
  actor: Actor,
  filter: { mine?: boolean; status?: RevisionStatus },
): Promise<ProgramListItem[]> {
  authorize(actor, "program.read");
  return listPrograms(db, { ...(filter.mine ? { authorId: actor.id } : {}), ...(filter.status ? { status: filter.status } : {}) });
}

/** Pending revisions, oldest first: what reviewers have to decide. */
export async function listReviewQueue(db: Db, actor: Actor): Promise<RevisionWithProgram[]> {
  authorize(actor, "revision.review");
  return listRevisionsWithStatus(db, "PENDING");
}
