import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { MAX_DURATION_SEC_CEILING, MAX_HOSTS_PER_APPROVAL_CEILING, MAX_REASON_LENGTH } from "@/lib/shared/input-limits.ts";
import type { Envelope } from "@/lib/protocol/dsse.ts";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import { checkParamValues, paramValuesSchema } from "@/lib/shared/runbook-params.ts";
import { lintProgram } from "@/lib/shared/policy/lint-program.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { findIncidentStatus } from "@/lib/server/data/incidents.ts";
import { notifyAllAfterCommit, runsQueuedEvents } from "@/lib/server/data/notify.ts";
import { getRevision, listValidApprovals, lockRevision } from "@/lib/server/data/programs.ts";
import { probeCatalogOf } from "@/lib/server/data/probe-catalog.ts";
import { attachLaunchRunsToIncident, countActiveLaunches, findLaunchableRevisionId, insertLaunch } from "@/lib/server/data/runbooks.ts";
import { planRollout } from "./stage-rollout.ts";
import { queueSignedRuns, signOrders } from "./queue-signed-runs.ts";
import { assertNoStopSwitchCovers } from "./stop-switch-scope.ts";
import { readSettings } from "@/lib/server/data/settings.ts";
import { effectiveLintPolicy } from "@/lib/server/settings/effective-lint-policy.ts";
import { AppError } from "@/lib/server/errors.ts";
import { resolveRevisionTargets } from "./resolve-revision-targets.ts";
import { signedLimits } from "./signed-run-limits.ts";

/** Time for a launch's orders to reach their hosts and start; the orders expire this long after the launch's duration. */
export const LAUNCH_START_GRACE_SEC = 30;
/** Host names listed in the launch's audit entry up to this many; past it, the count and a hash (the runs name each host). */
const AUDITED_HOST_NAMES = 200;

export const launchRunbookInput = z
  .object({
    /** The revision the form was filled for; when given and no longer the runbook's current one, the launch is refused. */
    revisionId: z.string().min(1).max(64).optional(),
    hostIds: z
      .array(z.string().min(1).max(64), { error: "Pick the hosts to launch on." })
      .min(1, "Pick at least one host.")
      .max(MAX_HOSTS_PER_APPROVAL_CEILING, `At most ${MAX_HOSTS_PER_APPROVAL_CEILING} hosts.`),
    values: paramValuesSchema.default({}),
    durationSec: z
      .number({ error: "The duration is a number of seconds." })
      .int("The duration is a whole number of seconds.")
      .min(1, "The duration is at least one second.")
      .max(MAX_DURATION_SEC_CEILING, `The duration is at most ${MAX_DURATION_SEC_CEILING} seconds.`),
    reason: z.string({ error: "Say why you launch it." }).trim().min(1, "Say why you launch it.").max(MAX_REASON_LENGTH, `A reason is at most ${MAX_REASON_LENGTH} characters.`),
    incidentId: z.string().min(1).max(64).optional(),
  })
  .strict();

export type LaunchRunbookInput = z.input<typeof launchRunbookInput>;

export type LaunchDeps = { signRunOrder(order: RunOrder): Envelope; now(): Date };

export type LaunchOutcome = { launchId: string; revisionId: string; runIds: string[]; endsAt: string };

// Signing up to a fleet-sized launch in one transaction, as an approval does (review-revision.ts).
const LAUNCH_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

/**
 * Launches a runbook's current revision: checks the launch against the policy
 * the reviewer signed (role, validity, hosts in scope and how many, duration,
 * values, launches at once) and the lint in force now, then signs one order
 * per host binding the runbook's approval, the exact program, the values and
 * their schema, the limits, the host and an expiry at the end of the launch.
 * Anything outside the policy is UNPROCESSABLE with a sentence; nothing is
 * written then. The revision's row lock makes launches of one runbook take
 * turns, so two at once cannot both take the last concurrent slot, and a
 * revocation (which takes the same lock) either precedes a launch, which then
 * finds the revision revoked, or follows it and ends its runs.
 */
export async function launchRunbook(db: Db, actor: Actor, programId: string, input: z.output<typeof launchRunbookInput>, deps: LaunchDeps): Promise<LaunchOutcome> {
  authorize(actor, "runbook.launch");
  return db.$transaction(async (tx) => {
    const revisionId = await findLaunchableRevisionId(tx, programId);
    if (!revisionId) throw new AppError("NOT_FOUND", "No approved runbook by that id: it was never approved, or its approval was revoked.");
    if (input.revisionId && input.revisionId !== revisionId) {
      throw new AppError("CONFLICT", "The runbook has a newer approved revision than the one you filled the form for; reload it.");
    }
    await lockRevision(tx, revisionId);
    const revision = await getRevision(tx, revisionId);
    const policy = revision?.runbookPolicy;
    if (!revision || !policy || revision.status !== "APPROVED") throw new AppError("CONFLICT", "The runbook's approval was revoked meanwhile.");
    if (!actor.roles.some((role) => policy.launchRoles.includes(role))) {
      throw new AppError("FORBIDDEN", `This runbook may be launched by: ${policy.launchRoles.map((role) => role.toLowerCase().replace("_", " ")).join(", ")}.`);
    }
    const now = deps.now();
    const approvals = await listValidApprovals(tx, revisionId, now);
    const securityMissing = revision.securityReviewRequired && !approvals.some((a) => a.bySecurityReviewer);
    if (approvals.length < revision.approvalsRequired || securityMissing) {
      throw new AppError(
        "UNPROCESSABLE",
        "The runbook's approval has run out (its validity ended, or an approval was withdrawn); it needs a new review before it can be launched.",
      );
    }
    const validUntil = Math.min(...approvals.map((a) => a.validUntil?.getTime() ?? Number.POSITIVE_INFINITY));
    if (input.durationSec > revision.durationSec) {
      throw new AppError("UNPROCESSABLE", `A launch of this runbook lasts at most ${revision.durationSec} seconds; ${input.durationSec} is longer.`);
    }
    const endsAt = new Date(now.getTime() + (input.durationSec + LAUNCH_START_GRACE_SEC) * 1000);
    if (endsAt.getTime() > validUntil) {
      throw new AppError("UNPROCESSABLE", `The runbook's approval ends at ${new Date(validUntil).toISOString()}; a launch of ${input.durationSec} seconds would outlast it.`);
    }
    const problems = checkParamValues(policy.params, input.values);
    if (problems.length > 0) throw new AppError("UNPROCESSABLE", problems.map((problem) => problem.message).join(" "), { params: problems });

    const hostIds = [...new Set(input.hostIds)];
    if (hostIds.length > policy.maxHostsPerLaunch) {
      throw new AppError(
        "UNPROCESSABLE",
        `One launch of this runbook takes at most ${policy.maxHostsPerLaunch} host${policy.maxHostsPerLaunch === 1 ? "" : "s"}; you picked ${hostIds.length}.`,
      );
    }
    const scope = new Map((await resolveRevisionTargets(tx, revision)).hosts.map((host) => [host.id, host]));
    const outside = hostIds.filter((id) => !scope.has(id));
    if (outside.length > 0) {
      throw new AppError(
        "UNPROCESSABLE",
        `${outside.length === 1 ? "A host you picked is" : `${outside.length} hosts you picked are`} outside this runbook's scope (${scopeText(revision)}), or revoked.`,
      );
    }
    const hosts = hostIds.map((id) => scope.get(id)!).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    await assertNoStopSwitchCovers(tx, { programId: revision.program.id, hosts });
    // A launch on several hosts starts on the canary the reviewers signed first (stage-rollout.ts).
    const canaryHosts = revision.canary?.hosts ?? [];
    if (canaryHosts.length > 0 && hosts.length > 1 && !hosts.some((host) => canaryHosts.includes(host.name))) {
      throw new AppError("UNPROCESSABLE", `This runbook's signed canary is ${canaryHosts.join(", ")}: a launch on several hosts must include one of them.`);
    }
    const rollout = planRollout(revision.canary, hosts);
    const active = await countActiveLaunches(tx, revisionId);
    if (active >= policy.maxConcurrentLaunches) {
      throw new AppError(
        "UNPROCESSABLE",
        `${active} launch${active === 1 ? " of this runbook is" : "es of this runbook are"} still queued or running; its policy allows ${policy.maxConcurrentLaunches} at once.`,
      );
    }
    // The policy in force now, on the catalogs of the hosts picked: tightened since approval, it stops the launch.
    const lint = lintProgram(revision.source, effectiveLintPolicy(await readSettings(tx)), await probeCatalogOf(tx, hostIds));
    if (lint.blocked) {
      const first = lint.findings.find((finding) => finding.severity === "error")!;
      throw new AppError("UNPROCESSABLE", `The policy in force now refuses this runbook's program: line ${first.line}: ${first.message}`, { findings: lint.findings });
    }
    if (input.incidentId && !(await findIncidentStatus(tx, input.incidentId))) {
      throw new AppError("UNPROCESSABLE", "There is no such incident to link the launch to.");
    }

    const launchId = randomUUID();
    // The approval the orders bind: the newest valid one, as an approval's own orders name the review that completed it.
    const approval = approvals[approvals.length - 1]!;
    await insertLaunch(tx, {
      id: launchId,
      revisionId,
      approvalId: approval.id,
      launchedById: actor.id,
      reason: input.reason,
      values: input.values,
      durationSec: input.durationSec,
      incidentId: input.incidentId ?? null,
      createdAt: now,
      endsAt,
    });
    const program = {
      id: revision.program.id,
      name: revision.program.name,
      revisionId,
      revision: revision.number,
      contentHash: revision.contentHash,
      source: revision.source,
    };
    const signedApproval = {
      id: approval.id,
      by: approvals.map((a) => a.reviewerName).join(", "),
      at: approval.createdAt.toISOString(),
      securityReview: approvals.some((a) => a.bySecurityReviewer),
    };
    const limits = signedLimits({ durationSec: input.durationSec });
    const runbook = { launchId, launchedBy: actor.name, reason: input.reason, params: policy.params, values: input.values };
    const runs = signOrders(
      deps.signRunOrder,
      hosts,
      {
        v: 1,
        program,
        limits,
        approval: signedApproval,
        ...(rollout ? { rollout: rollout.signed } : {}),
        issuedAt: now.toISOString(),
        expiresAt: endsAt.toISOString(),
        runbook,
      },
      { revisionId, approvalId: approval.id, expiresAt: endsAt, launchId },
    );
    const queued = await queueSignedRuns(tx, runs, rollout, { approvalId: null, budgetPercent: limits.cpuBudgetPercent, contentHash: revision.contentHash });
    const runIds = runs.map((run) => run.id);
    if (input.incidentId) await attachLaunchRunsToIncident(tx, { incidentId: input.incidentId, runIds, addedById: actor.id });
    const names = hosts.map((host) => host.name);
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "runbook.launch",
      target: { type: "launch", id: launchId },
      toState: "QUEUED",
      reason: input.reason,
      contentHash: revision.contentHash,
      data: {
        programId,
        revisionId,
        approvalId: approval.id,
        values: input.values,
        durationSec: input.durationSec,
        hosts: hosts.length,
        hostsHash: `sha256:${createHash("sha256").update(names.join("\n")).digest("hex")}`,
        ...(hosts.length <= AUDITED_HOST_NAMES ? { hostNames: names } : {}),
        incidentId: input.incidentId ?? null,
        canary: rollout ? { hosts: rollout.signed.canaryHosts, periodSec: rollout.signed.periodSec } : null,
        endsAt: endsAt.toISOString(),
      },
    });
    if (queued.rolloutAudit) await appendAudit(tx, queued.rolloutAudit);
    await notifyAllAfterCommit(tx, runsQueuedEvents(queued.notifyHostIds));
    return { launchId, revisionId, runIds, endsAt: endsAt.toISOString() };
  }, LAUNCH_TRANSACTION);
}

function scopeText(revision: { targets: { name: string }[]; targetSelector: string | null }): string {
  const named =
    revision.targets.length > 0
      ? `hosts ${revision.targets
          .map((t) => t.name)
          .slice(0, 5)
          .join(", ")}${revision.targets.length > 5 ? ", ..." : ""}`
      : "";
  const selector = revision.targetSelector ? `hosts matching ${revision.targetSelector}` : "";
  return [named, selector].filter(Boolean).join(" and ");
}
