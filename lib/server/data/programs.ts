import "server-only";
import { labelMap } from "@/lib/shared/host-labels.ts";
import { selectorMatchesLabels, storedSelector } from "@/lib/shared/host-selector.ts";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { RevisionStatus, ReviewDecision } from "@/lib/server/db/generated/enums.ts";
import { runbookPolicySchema, type RunbookPolicy } from "@/lib/shared/runbook-policy.ts";

export type RevisionContent = {
  source: string;
  durationSec: number;
  /** The hosts it names. */
  targets: { id: string; name: string }[];
  /** Canonical label selector, or null. */
  targetSelector: string | null;
  /** The canary rule (host names, seconds; 0 s: none chosen), or null for a revision that runs on one host. */
  canary: { hosts: string[]; periodSec: number } | null;
  contentHash: string;
  /** A runbook's launch policy (lib/shared/runbook-policy.ts), or null for an ordinary revision. */
  runbookPolicy: RunbookPolicy | null;
};

/**
 * Whether `hostId` is one of the hosts the revision targets: where its run orders would be signed
 * for, and so the only hosts it may be dry-run on. The one place that answers "is this host a
 * target of this revision": a host it names, or one whose labels its selector matches now
 * (lib/shared/host-selector.ts, as the approval would resolve it; revoked hosts are the caller's
 * to refuse).
 */
export async function isRevisionTargetHost(db: Db | Tx, revisionId: string, hostId: string): Promise<boolean> {
  if ((await db.revisionTarget.count({ where: { revisionId, hostId } })) === 1) return true;
  const revision = await db.revision.findUnique({ where: { id: revisionId }, select: { targetSelector: true } });
  if (!revision?.targetSelector) return false;
  const host = await db.host.findUnique({ where: { id: hostId }, select: { labels: true } });
  return !!host && selectorMatchesLabels(storedSelector(revision.targetSelector), labelMap(host.labels));
}

export async function insertProgram(tx: Tx, program: { name: string; authorId: string }): Promise<{ id: string }> {
  return tx.program.create({ data: { ...program, latestRevision: 0 }, select: { id: true } });
}

/**
 * Inserts revision n+1 of a program. The program row's counter is bumped with
 * a conditional update on the number the caller saw, so two concurrent edits
 * of the same revision cannot both succeed: the loser gets null.
 */
export async function insertNextRevision(
  tx: Tx,
  input: {
    programId: string;
    expectedLatest: number;
    authorId: string;
    content: RevisionContent;
    review: { lint: object; approvalsRequired: number; securityReviewRequired: boolean; reviewDeadline: Date };
  },
): Promise<{ id: string; number: number } | null> {
  const next = input.expectedLatest + 1;
  const { count } = await tx.program.updateMany({
    where: { id: input.programId, latestRevision: input.expectedLatest },
    data: { latestRevision: next },
  });
  if (count !== 1) return null;
  const revision = await tx.revision.create({
    data: {
      programId: input.programId,
      number: next,
      source: input.content.source,
      durationSec: input.content.durationSec,
      contentHash: input.content.contentHash,
      targetSelector: input.content.targetSelector,
      ...(input.content.runbookPolicy ? { runbookPolicy: input.content.runbookPolicy } : {}),
      canaryPeriodSec: input.content.canary?.periodSec ?? null,
      canaryHosts: input.content.canary?.hosts ?? [],
      authorId: input.authorId,
      lint: input.review.lint,
      approvalsRequired: input.review.approvalsRequired,
      securityReviewRequired: input.review.securityReviewRequired,
      reviewDeadline: input.review.reviewDeadline,
      targets: { create: input.content.targets.map((host) => ({ hostId: host.id })) },
    },
    select: { id: true, number: true },
  });
  return revision;
}

/** Moves a revision from one status to another only if it still has the expected one. */
export async function transitionRevision(tx: Tx, revisionId: string, from: RevisionStatus, to: RevisionStatus): Promise<boolean> {
  const { count } = await tx.revision.updateMany({
    where: { id: revisionId, status: from },
    data: { status: to, decidedAt: new Date() },
  });
  return count === 1;
}

export type ProgramHead = {
  id: string;
  name: string;
  authorId: string;
  latestRevision: number;
  latest: { id: string; status: RevisionStatus } | null;
};

export async function findProgramHead(db: Db | Tx, programId: string): Promise<ProgramHead | null> {
  const program = await db.program.findUnique({
    where: { id: programId },
    select: { id: true, name: true, authorId: true, latestRevision: true },
  });
  if (!program) return null;
  const latest = await db.revision.findUnique({
    where: { programId_number: { programId, number: program.latestRevision } },
    select: { id: true, status: true },
  });
  return { ...program, latest };
}

export type ReviewView = {
  id: string;
  reviewerId: string;
  reviewerName: string;
  decision: ReviewDecision;
  reason: string;
  createdAt: Date;
  bySecurityReviewer: boolean;
  validUntil: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokeReason: string | null;
};

export type CommentView = { id: string; line: number; body: string; authorName: string; createdAt: Date };

export type RevisionView = {
  id: string;
  number: number;
  status: RevisionStatus;
  source: string;
  durationSec: number;
  contentHash: string;
  authorId: string;
  authorName: string;
  createdAt: Date;
  decidedAt: Date | null;
  /** The hosts it names (revoked ones included: it was reviewed with them). */
  targets: { id: string; name: string }[];
  /** Canonical label selector (lib/shared/host-selector.ts), resolved at approval; null when it names its hosts only. */
  targetSelector: string | null;
  /** The canary rule the reviewers sign (host names, seconds; 0 s: none), or null when it runs on one host. */
  canary: { hosts: string[]; periodSec: number } | null;
  reviews: ReviewView[];
  comments: CommentView[];
  lint: unknown;
  approvalsRequired: number;
  securityReviewRequired: boolean;
  reviewDeadline: Date | null;
  /** A runbook's launch policy, or null for an ordinary revision. */
  runbookPolicy: RunbookPolicy | null;
};

const revisionViewSelect = {
  id: true,
  number: true,
  status: true,
  source: true,
  durationSec: true,
  contentHash: true,
  authorId: true,
  createdAt: true,
  decidedAt: true,
  author: { select: { name: true } },
  targets: { select: { host: { select: { id: true, name: true } } } },
  targetSelector: true,
  canaryPeriodSec: true,
  canaryHosts: true,
  lint: true,
  approvalsRequired: true,
  securityReviewRequired: true,
  reviewDeadline: true,
  runbookPolicy: true,
  reviews: {
    orderBy: { createdAt: "asc" as const },
    select: {
      id: true,
      reviewerId: true,
      decision: true,
      reason: true,
      createdAt: true,
      bySecurityReviewer: true,
      validUntil: true,
      revokedAt: true,
      revokeReason: true,
      reviewer: { select: { name: true } },
      revokedBy: { select: { name: true } },
    },
  },
  comments: {
    orderBy: { createdAt: "asc" as const },
    select: { id: true, line: true, body: true, createdAt: true, author: { select: { name: true } } },
  },
} as const;

type RevisionRow = {
  id: string;
  number: number;
  status: RevisionStatus;
  source: string;
  durationSec: number;
  contentHash: string;
  authorId: string;
  createdAt: Date;
  decidedAt: Date | null;
  author: { name: string };
  lint: unknown;
  approvalsRequired: number;
  securityReviewRequired: boolean;
  reviewDeadline: Date | null;
  runbookPolicy: unknown;
  targets: { host: { id: string; name: string } }[];
  targetSelector: string | null;
  canaryPeriodSec: number | null;
  canaryHosts: string[];
  reviews: {
    id: string;
    reviewerId: string;
    decision: ReviewDecision;
    reason: string;
    createdAt: Date;
    bySecurityReviewer: boolean;
    validUntil: Date | null;
    revokedAt: Date | null;
    revokeReason: string | null;
    reviewer: { name: string };
    revokedBy: { name: string } | null;
  }[];
  comments: { id: string; line: number; body: string; createdAt: Date; author: { name: string } }[];
};

function toRevisionView(row: RevisionRow): RevisionView {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    source: row.source,
    durationSec: row.durationSec,
    contentHash: row.contentHash,
    authorId: row.authorId,
    authorName: row.author.name,
    createdAt: row.createdAt,
    decidedAt: row.decidedAt,
    targets: row.targets.map((t) => t.host).sort((a, b) => a.name.localeCompare(b.name)),
    targetSelector: row.targetSelector,
    canary: row.canaryPeriodSec === null ? null : { hosts: row.canaryHosts, periodSec: row.canaryPeriodSec },
    reviews: row.reviews.map((r) => ({
      id: r.id,
      reviewerId: r.reviewerId,
      reviewerName: r.reviewer.name,
      decision: r.decision,
      reason: r.reason,
      createdAt: r.createdAt,
      bySecurityReviewer: r.bySecurityReviewer,
      validUntil: r.validUntil,
      revokedAt: r.revokedAt,
      revokedBy: r.revokedBy?.name ?? null,
      revokeReason: r.revokeReason,
    })),
    comments: row.comments.map((c) => ({ id: c.id, line: c.line, body: c.body, createdAt: c.createdAt, authorName: c.author.name })),
    lint: row.lint,
    approvalsRequired: row.approvalsRequired,
    securityReviewRequired: row.securityReviewRequired,
    reviewDeadline: row.reviewDeadline,
    runbookPolicy: storedRunbookPolicy(row.runbookPolicy),
  };
}

/** The stored policy as written at submission (already canonical); null when the column is. */
export function storedRunbookPolicy(value: unknown): RunbookPolicy | null {
  return value === null || value === undefined ? null : runbookPolicySchema.parse(value);
}

export type ProgramDetail = {
  id: string;
  name: string;
  authorId: string;
  authorName: string;
  createdAt: Date;
  revisions: RevisionView[];
};

export async function getProgramDetail(db: Db, programId: string): Promise<ProgramDetail | null> {
  const program = await db.program.findUnique({
    where: { id: programId },
    select: {
      id: true,
      name: true,
      authorId: true,
      createdAt: true,
      author: { select: { name: true } },
      revisions: { orderBy: { number: "desc" }, select: revisionViewSelect },
    },
  });
  if (!program) return null;
  return {
    id: program.id,
    name: program.name,
    authorId: program.authorId,
    authorName: program.author.name,
    createdAt: program.createdAt,
    revisions: program.revisions.map(toRevisionView),
  };
}

export type RevisionWithProgram = RevisionView & { program: { id: string; name: string; latestRevision: number; authorId: string } };

export async function getRevision(db: Db | Tx, revisionId: string): Promise<RevisionWithProgram | null> {
  const row = await db.revision.findUnique({
    where: { id: revisionId },
    select: { ...revisionViewSelect, program: { select: { id: true, name: true, latestRevision: true, authorId: true } } },
  });
  return row && { ...toRevisionView(row), program: row.program };
}

export type ProgramListItem = {
  id: string;
  name: string;
  authorName: string;
  latestRevision: number;
  status: RevisionStatus | null;
  updatedAt: Date;
};

export async function listPrograms(db: Db, filter: { authorId?: string; status?: RevisionStatus }): Promise<ProgramListItem[]> {
  const programs = await db.program.findMany({
    where: filter.authorId ? { authorId: filter.authorId } : {},
    orderBy: { createdAt: "desc" },
    take: 200,
    select: {
      id: true,
      name: true,
      latestRevision: true,
      author: { select: { name: true } },
      revisions: { orderBy: { number: "desc" }, take: 1, select: { status: true, createdAt: true } },
    },
  });
  return programs
    .map((p) => ({
      id: p.id,
      name: p.name,
      authorName: p.author.name,
      latestRevision: p.latestRevision,
      status: p.revisions[0]?.status ?? null,
      updatedAt: p.revisions[0]?.createdAt ?? new Date(0),
    }))
    .filter((p) => !filter.status || p.status === filter.status);
}

export async function insertReview(
  tx: Tx,
  review: { revisionId: string; reviewerId: string; decision: ReviewDecision; reason: string; bySecurityReviewer: boolean; validUntil: Date | null },
): Promise<{ id: string; createdAt: Date }> {
  return tx.review.create({ data: review, select: { id: true, createdAt: true } });
}

/**
 * Takes the revision's row lock until the transaction ends. Everyone who
 * decides on, revises or revokes a revision takes it first, so their
 * read-then-write sequences on that revision never interleave.
 */
export async function lockRevision(tx: Tx, revisionId: string): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM "Revision" WHERE id = ${revisionId} FOR UPDATE`;
}

/** Approvals of a revision that still count: not revoked, not expired. */
export async function listValidApprovals(
  tx: Tx,
  revisionId: string,
  now: Date,
): Promise<{ id: string; reviewerName: string; bySecurityReviewer: boolean; validUntil: Date | null; createdAt: Date }[]> {
  const reviews = await tx.review.findMany({
    where: { revisionId, decision: "APPROVE", revokedAt: null, OR: [{ validUntil: null }, { validUntil: { gt: now } }] },
    orderBy: { createdAt: "asc" },
    select: { id: true, bySecurityReviewer: true, validUntil: true, createdAt: true, reviewer: { select: { name: true } } },
  });
  return reviews.map((r) => ({ id: r.id, reviewerName: r.reviewer.name, bySecurityReviewer: r.bySecurityReviewer, validUntil: r.validUntil, createdAt: r.createdAt }));
}

/** Marks an approval revoked; false if it was already revoked. */
export async function markReviewRevoked(tx: Tx, reviewId: string, revoke: { userId: string; reason: string; at: Date }): Promise<boolean> {
  const { count } = await tx.review.updateMany({
    where: { id: reviewId, revokedAt: null },
    data: { revokedAt: revoke.at, revokedById: revoke.userId, revokeReason: revoke.reason },
  });
  return count === 1;
}

export async function findReview(tx: Tx, reviewId: string): Promise<{ id: string; revisionId: string; decision: ReviewDecision; reviewerName: string } | null> {
  const review = await tx.review.findUnique({
    where: { id: reviewId },
    select: { id: true, revisionId: true, decision: true, reviewer: { select: { name: true } } },
  });
  return review && { id: review.id, revisionId: review.revisionId, decision: review.decision, reviewerName: review.reviewer.name };
}

/** Pending revisions whose review window has closed. */
export async function expirePendingRevisions(tx: Tx, now: Date): Promise<{ id: string; contentHash: string }[]> {
  const expired = await tx.revision.findMany({ where: { status: "PENDING", reviewDeadline: { lte: now } }, select: { id: true, contentHash: true } });
  if (expired.length) {
    await tx.revision.updateMany({ where: { id: { in: expired.map((r) => r.id) }, status: "PENDING" }, data: { status: "EXPIRED", decidedAt: now } });
  }
  return expired;
}

export async function insertComment(tx: Tx | Db, comment: { revisionId: string; authorId: string; line: number; body: string }): Promise<{ id: string }> {
  return tx.revisionComment.create({ data: comment, select: { id: true } });
}

export async function listRevisionsWithStatus(db: Db, status: RevisionStatus): Promise<RevisionWithProgram[]> {
  const rows = await db.revision.findMany({
    where: { status },
    orderBy: { createdAt: "asc" },
    take: 200,
    select: { ...revisionViewSelect, program: { select: { id: true, name: true, latestRevision: true, authorId: true } } },
  });
  return rows.map((row) => ({ ...toRevisionView(row), program: row.program }));
}
