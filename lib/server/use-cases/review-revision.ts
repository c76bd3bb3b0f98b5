import "server-only";
import { createHash } from "node:crypto";
import { z } from "zod";
import { MAX_REASON_LENGTH } from "@/lib/shared/input-limits.ts";
import { DEFAULT_RUNBOOK_VALIDITY_DAYS } from "@/lib/shared/runbook-policy.ts";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import type { Envelope } from "@/lib/protocol/dsse.ts";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import { isUniqueViolation } from "@/lib/server/db/errors.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, appendAuditBatch, type AuditEntry, userActor } from "@/lib/server/data/audit.ts";
import { notifyAllAfterCommit, runsQueuedEvents } from "@/lib/server/data/notify.ts";
import { getRevision, insertReview, listValidApprovals, lockRevision, transitionRevision, type RevisionWithProgram } from "@/lib/server/data/programs.ts";
import { readSettings } from "@/lib/server/data/settings.ts";
import { AppError } from "@/lib/server/errors.ts";
import { resolveRevisionTargets } from "./resolve-revision-targets.ts";
import { assertCurrentPolicyAllows, assertWithinHostCap } from "./revision-content.ts";
import { signedLimits } from "./signed-run-limits.ts";
import { planRollout } from "./stage-rollout.ts";
import { queueSignedRuns, signOrders } from "./queue-signed-runs.ts";
import { assertNoStopSwitchCovers } from "./stop-switch-scope.ts";

export const reviewRevisionInput = z.object({
  decision: z.enum(["approve", "reject", "request-changes"], { error: 'The decision is "approve", "reject" or "request-changes".' }),
  reason: z
    .string({ error: "A decision needs a written reason." })
    .trim()
    .min(1, "A decision needs a written reason.")
    .max(MAX_REASON_LENGTH, `A reason is at most ${MAX_REASON_LENGTH} characters.`),
});

export type ReviewRevisionInput = z.infer<typeof reviewRevisionInput>;

export type ReviewDeps = {
  signRunOrder(order: RunOrder): Envelope;
  now(): Date;
  /** WORKBENCH_MAX_HOSTS_PER_APPROVAL (default DEFAULT_MAX_HOSTS_PER_APPROVAL). */
  maxHostsPerApproval?: number;
  /** WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS: no runbook approval lasts longer, whatever its policy asks. */
  maxRunbookValidityDays?: number;
};

export type ReviewOutcome = {
  reviewId: string;
  status: "PENDING" | "APPROVED" | "REJECTED" | "CHANGES_REQUESTED";
  /** Valid approvals so far, and what is still missing when the revision stays pending. */
  approvals: number;
  approvalsRequired: number;
  securityApprovalMissing: boolean;
  runIds: string[];
};

// Signing a fleet of WORKBENCH_MAX_HOSTS_PER_APPROVAL (5,000) hosts takes about a second on two
// cores and several on a busy machine; past Prisma's 5 s default the whole approval would be
// rolled back and refused.
const APPROVAL_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

const DECISIONS = { approve: "APPROVE", reject: "REJECT", "request-changes": "REQUEST_CHANGES" } as const;

/**
 * Records one reviewer's decision on a pending revision. A rejection or a
 * request for changes decides it at once. Approvals accumulate until the
 * revision has as many valid ones as it requires (and one from a security
 * reviewer when its probes need it). Each approval first re-runs the policy
 * lint with the policy in force now; the approval that completes them signs
 * one run order per target host with exactly what will run, and queues it.
 * The revision's row lock makes concurrent decisions take turns, so exactly
 * one of them completes the approval, and a decision after that changes nothing.
 */
export async function reviewRevision(db: Db, actor: Actor, revisionId: string, input: ReviewRevisionInput, deps: ReviewDeps): Promise<ReviewOutcome> {
  authorize(actor, "revision.review");
  try {
    return await db.$transaction(async (tx) => {
      await lockRevision(tx, revisionId);
      const revision = await getRevision(tx, revisionId);
      if (!revision) throw new AppError("NOT_FOUND", "No such revision.");
      if (revision.authorId === actor.id) {
        throw new AppError("UNPROCESSABLE", "You wrote this revision; someone else has to review it.");
      }
      if (revision.program.authorId === actor.id) {
        throw new AppError("UNPROCESSABLE", "You are the program's author; someone else has to review its revisions.");
      }
      if (revision.status !== "PENDING") {
        throw new AppError("CONFLICT", `This revision is already ${revision.status.toLowerCase().replace("_", " ")}.`);
      }
      const now = deps.now();
      if (revision.reviewDeadline && revision.reviewDeadline <= now) {
        throw new AppError("UNPROCESSABLE", `The review window of this revision closed at ${revision.reviewDeadline.toISOString()}; the author has to submit it again.`);
      }
      const { reviewRules } = await readSettings(tx);
      const decision = DECISIONS[input.decision];
      // Nothing is recorded or signed for an approval the policy of the moment refuses; rejecting
      // or requesting changes stays possible, so the revision can still be sent back.
      if (decision === "APPROVE") {
        await assertCurrentPolicyAllows(tx, revision);
        // Nor while a stop switch covers the program or a host it would run on (the shared lock taken
        // here holds until commit, so a switch engaged meanwhile waits and then stops what this signs).
        await assertNoStopSwitchCovers(tx, { programId: revision.program.id, hosts: (await resolveRevisionTargets(tx, revision)).hosts });
      }
      const bySecurityReviewer = actor.roles.includes("SECURITY_REVIEWER");
      const validUntil = decision === "APPROVE" ? approvalValidUntil(revision, now, reviewRules.approvalValidHours, deps) : null;
      const review = await insertReview(tx, { revisionId, reviewerId: actor.id, decision, reason: input.reason, bySecurityReviewer, validUntil });
      const who = userActor(actor);
      await appendAudit(tx, {
        actor: who,
        action: `review.${input.decision}`,
        target: { type: "revision", id: revisionId },
        reason: input.reason,
        contentHash: revision.contentHash,
        data: { reviewId: review.id, bySecurityReviewer },
      });

      if (decision !== "APPROVE") {
        const status = decision === "REJECT" ? "REJECTED" : "CHANGES_REQUESTED";
        await decide(tx, revision, status, who, input.reason);
        return { reviewId: review.id, status, approvals: 0, approvalsRequired: revision.approvalsRequired, securityApprovalMissing: false, runIds: [] };
      }

      const approvals = await listValidApprovals(tx, revisionId, now);
      const securityApprovalMissing = revision.securityReviewRequired && !approvals.some((a) => a.bySecurityReviewer);
      if (approvals.length < revision.approvalsRequired || securityApprovalMissing) {
        return {
          reviewId: review.id,
          status: "PENDING",
          approvals: approvals.length,
          approvalsRequired: revision.approvalsRequired,
          securityApprovalMissing,
          runIds: [],
        };
      }
      await decide(tx, revision, "APPROVED", who, input.reason);
      if (revision.runbookPolicy) {
        // A runbook's approval signs nothing now: each launch signs its own orders within the policy,
        // until the first of the approvals that carried the decision runs out.
        const validUntil = new Date(Math.min(...approvals.map((a) => a.validUntil?.getTime() ?? Number.POSITIVE_INFINITY)));
        await appendAudit(tx, {
          actor: who,
          action: "runbook.approve",
          target: { type: "revision", id: revision.id },
          toState: "APPROVED",
          contentHash: revision.contentHash,
          data: {
            reviewId: review.id,
            validUntil: validUntil.toISOString(),
            launchRoles: revision.runbookPolicy.launchRoles,
            maxHostsPerLaunch: revision.runbookPolicy.maxHostsPerLaunch,
          },
        });
        return { reviewId: review.id, status: "APPROVED", approvals: approvals.length, approvalsRequired: revision.approvalsRequired, securityApprovalMissing: false, runIds: [] };
      }
      // The orders expire with the first of the approvals that carried the decision.
      const expiresAt = new Date(Math.min(...approvals.map((a) => a.validUntil?.getTime() ?? Number.POSITIVE_INFINITY)));
      const runIds = await signRunOrders(
        tx,
        revision,
        { reviewId: review.id, at: review.createdAt, approvers: approvals.map((a) => a.reviewerName), securityReview: approvals.some((a) => a.bySecurityReviewer) },
        now,
        expiresAt,
        deps,
      );
      return {
        reviewId: review.id,
        status: "APPROVED",
        approvals: approvals.length,
        approvalsRequired: revision.approvalsRequired,
        securityApprovalMissing: false,
        runIds,
      };
    }, APPROVAL_TRANSACTION);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "You have already reviewed this revision.");
    throw error;
  }
}

/**
 * Until when an approval counts: the review rules' hours for a revision that
 * signs its orders now; for a runbook, the validity its policy asks, capped by
 * the server's WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS.
 */
function approvalValidUntil(revision: RevisionWithProgram, now: Date, approvalValidHours: number, deps: ReviewDeps): Date {
  if (!revision.runbookPolicy) return new Date(now.getTime() + approvalValidHours * 3_600_000);
  const days = Math.min(revision.runbookPolicy.validityDays, deps.maxRunbookValidityDays ?? DEFAULT_RUNBOOK_VALIDITY_DAYS);
  return new Date(now.getTime() + days * 86_400_000);
}

async function decide(
  tx: Tx,
  revision: RevisionWithProgram,
  status: "APPROVED" | "REJECTED" | "CHANGES_REQUESTED",
  who: { type: "user"; id: string; name: string },
  reason: string,
): Promise<void> {
  // Under the row lock this cannot fail; the condition stays as a guard against a caller without it.
  if (!(await transitionRevision(tx, revision.id, "PENDING", status))) {
    throw new AppError("CONFLICT", "Another review decided this revision first.");
  }
  await appendAudit(tx, {
    actor: who,
    action: `revision.${status === "APPROVED" ? "approve" : status === "REJECTED" ? "reject" : "request-changes"}`,
    target: { type: "revision", id: revision.id },
    fromState: "PENDING",
    toState: status,
    reason,
    contentHash: revision.contentHash,
  });
}

/**
 * Signs one order per host the revision resolves to at this moment (the hosts
 * it names, still enrolled and not revoked, and every such host its selector
 * matches now) and stores them: the runs in one statement, their audit
 * entries in one chained batch, the agents told in a few NOTIFYs. A fleet of
 * thousands is signed in about a second instead of three round trips per
 * host. A host enrolled later gets no order from this approval. The approval's
 * own entry records the selector, the count and a hash of the chosen hosts'
 * names; each order and its `run.sign` entry name their host.
 */
async function signRunOrders(
  tx: Tx,
  revision: RevisionWithProgram,
  approval: { reviewId: string; at: Date; approvers: string[]; securityReview: boolean },
  issuedAt: Date,
  expiresAt: Date,
  deps: ReviewDeps,
): Promise<string[]> {
  const { hosts, named, matched } = await resolveRevisionTargets(tx, revision);
  if (hosts.length === 0) {
    throw new AppError(
      "UNPROCESSABLE",
      revision.targetSelector
        ? `No enrolled host matches the selector ${revision.targetSelector}${revision.targets.length ? " and the named hosts are revoked" : ""}, so nothing would run; approve it once hosts match, or reject it.`
        : "Every target host of this revision has been revoked, so nothing would run; reject it or request changes.",
    );
  }
  assertWithinHostCap(hosts.length, deps.maxHostsPerApproval, revision.targetSelector);
  const limits = signedLimits(revision);
  // The canary hosts are chosen before signing: every order names them.
  const rollout = planRollout(revision.canary, hosts);
  const program = {
    id: revision.program.id,
    name: revision.program.name,
    revisionId: revision.id,
    revision: revision.number,
    contentHash: revision.contentHash,
    source: revision.source,
  };
  const signedApproval = { id: approval.reviewId, by: approval.approvers.join(", "), at: approval.at.toISOString(), securityReview: approval.securityReview };
  const runs = signOrders(
    deps.signRunOrder,
    hosts,
    {
      v: 1,
      program,
      limits,
      approval: signedApproval,
      ...(rollout ? { rollout: rollout.signed } : {}),
      issuedAt: issuedAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
    },
    { revisionId: revision.id, approvalId: approval.reviewId, expiresAt },
  );
  const hostNames = new Map(hosts.map((host) => [host.id, host.name]));
  const audit: AuditEntry[] = runs.map((run) => ({
    actor: { type: "system" },
    action: "run.sign",
    target: { type: "run", id: run.id },
    toState: "QUEUED",
    contentHash: revision.contentHash,
    data: {
      host: hostNames.get(run.hostId)!,
      revisionId: revision.id,
      approvalId: approval.reviewId,
      keyId: run.envelope.signatures[0]?.keyid ?? null,
      expiresAt: expiresAt.toISOString(),
    },
  }));
  const names = hosts.map((host) => host.name);
  audit.unshift({
    actor: { type: "system" },
    action: "approval.sign",
    target: { type: "review", id: approval.reviewId },
    toState: "SIGNED",
    contentHash: revision.contentHash,
    data: {
      revisionId: revision.id,
      selector: revision.targetSelector,
      namedHosts: named,
      selectorMatched: matched,
      hosts: hosts.length,
      // sha256 over the chosen hosts' names, sorted, one per line: the list itself is in the orders and their run.sign entries.
      hostsHash: `sha256:${createHash("sha256").update(names.join("\n")).digest("hex")}`,
      ...(hosts.length <= 20 ? { hostNames: names } : {}),
      canary: rollout ? { hosts: rollout.signed.canaryHosts, periodSec: rollout.signed.periodSec } : null,
      expiresAt: expiresAt.toISOString(),
    },
  });
  const queued = await queueSignedRuns(tx, runs, rollout, { approvalId: approval.reviewId, budgetPercent: limits.cpuBudgetPercent, contentHash: revision.contentHash });
  if (queued.rolloutAudit) audit.splice(1, 0, queued.rolloutAudit);
  await appendAuditBatch(tx, audit);
  await notifyAllAfterCommit(tx, runsQueuedEvents(queued.notifyHostIds));
  return runs.map((run) => run.id);
}
