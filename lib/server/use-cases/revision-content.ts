import "server-only";
import { createHash } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "@/lib/shared/canonical-json.ts";
import { hostSelectorSchema } from "@/lib/shared/host-selector.ts";
import { DEFAULT_MAX_HOSTS_PER_APPROVAL, MAX_HOSTS_PER_APPROVAL_CEILING, MAX_PROGRAM_BYTES, MIN_DURATION_SEC } from "@/lib/shared/input-limits.ts";
import type { Tx } from "@/lib/server/db/client.ts";
import { lintProgram, type LintResult } from "@/lib/shared/policy/lint-program.ts";
import { findActiveHosts } from "@/lib/server/data/hosts.ts";
import { probeCatalogOf } from "@/lib/server/data/probe-catalog.ts";
import { readSettings } from "@/lib/server/data/settings.ts";
import { effectiveLintPolicy } from "@/lib/server/settings/effective-lint-policy.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { insertNextRevision, type RevisionContent } from "@/lib/server/data/programs.ts";
import { AppError } from "@/lib/server/errors.ts";
import { resolveRevisionTargets } from "./resolve-revision-targets.ts";

// What every revision carries, validated the same way for a new program and
// for a resubmission.
export const revisionContentInput = z.object({
  source: z
    .string({ error: "The program text is missing." })
    .refine((s) => s.trim().length > 0, "The program is empty.")
    .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_PROGRAM_BYTES, `The program is longer than ${MAX_PROGRAM_BYTES / 1024} KiB.`)
    .refine((s) => !s.includes("\u0000"), "The program contains a NUL character."),
  durationSec: z
    .number({ error: "The duration limit must be a number of seconds." })
    .int("The duration limit must be a whole number of seconds.")
    .min(MIN_DURATION_SEC, `The duration limit must be at least ${MIN_DURATION_SEC} second.`),
  /** Hosts named one by one. */
  targetHostIds: z
    .array(z.string().min(1).max(64), { error: "Choose the hosts to run on." })
    .max(MAX_HOSTS_PER_APPROVAL_CEILING, `At most ${MAX_HOSTS_PER_APPROVAL_CEILING} target hosts.`)
    .default([]),
  /** And/or every host whose labels a selector matches when the revision is approved (lib/shared/host-selector.ts). */
  targetSelector: hostSelectorSchema,
});

/** A revision runs somewhere: refuses content with neither named hosts nor a selector (applied to each request schema built on revisionContentInput). */
export function requireSomeTarget<T extends z.ZodType<{ targetHostIds: string[]; targetSelector?: string }>>(schema: T): T {
  return schema.refine((content) => content.targetHostIds.length > 0 || content.targetSelector !== undefined, {
    message: "Choose at least one target host, or a label selector.",
    path: ["targetHostIds"],
  }) as unknown as T;
}

export type RevisionContentInput = z.infer<typeof revisionContentInput>;

/**
 * What a revision's content hash covers: the program, its limits, the hosts
 * it names and its selector (canonical). A revision without a selector hashes
 * exactly as before selectors existed, so earlier hashes still check out.
 */
export function revisionContentHash(content: { source: string; durationSec: number; targetNames: string[]; targetSelector?: string | null }): string {
  const canonical = canonicalJson({
    source: content.source,
    limits: { durationSec: content.durationSec },
    targets: [...content.targetNames].sort(),
    selector: content.targetSelector ?? undefined,
  });
  return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

export type PreparedRevision = {
  content: RevisionContent;
  lint: LintResult;
  approvalsRequired: number;
  securityReviewRequired: boolean;
  reviewDeadline: Date;
};

/**
 * Checks limits, targets and the policy lint against the server's rules and
 * current hosts; returns what gets stored. A lint error refuses the
 * submission, with the findings (line, column, code, message) in the error's
 * details so the editor can mark them.
 */
export async function prepareRevisionContent(
  tx: Tx,
  input: RevisionContentInput,
  rules: { maxDurationSec: number; maxHostsPerApproval?: number; now: Date },
): Promise<PreparedRevision> {
  if (input.durationSec > rules.maxDurationSec) {
    throw new AppError("UNPROCESSABLE", `The duration limit is at most ${rules.maxDurationSec} seconds on this server.`);
  }
  const ids = [...new Set(input.targetHostIds)];
  const hosts = await findActiveHosts(tx, ids);
  if (hosts.length !== ids.length) {
    const known = new Set(hosts.map((h) => h.id));
    const missing = ids.filter((id) => !known.has(id));
    throw new AppError("UNPROCESSABLE", `Unknown or revoked target host: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ` and ${missing.length - 10} more` : ""}.`);
  }
  // A selector may match no host yet (hosts enrolled later count at approval); one that already
  // matches more than an approval may sign would only be refused there.
  const targetSelector = input.targetSelector ?? null;
  const resolved = await resolveRevisionTargets(tx, { targets: hosts, targetSelector });
  assertWithinHostCap(resolved.hosts.length, rules.maxHostsPerApproval, targetSelector);
  const settings = await readSettings(tx);
  const lint = lintProgram(input.source, effectiveLintPolicy(settings), await probeCatalogOf(tx, resolved.hosts.map((host) => host.id)));
  if (lint.blocked) throw policyRefusal(lint, "The policy refuses this program");
  const targets = hosts.map(({ id, name }) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  return {
    content: {
      source: input.source,
      durationSec: input.durationSec,
      targets,
      targetSelector,
      contentHash: revisionContentHash({
        source: input.source,
        durationSec: input.durationSec,
        targetNames: targets.map((t) => t.name),
        targetSelector,
      }),
    },
    lint,
    approvalsRequired: settings.reviewRules.approvalsRequired,
    securityReviewRequired: settings.reviewRules.elevatedNeedSecurityReview && lint.summary.risk === "elevated",
    reviewDeadline: new Date(rules.now.getTime() + settings.reviewRules.reviewWindowHours * 3_600_000),
  };
}

/**
 * Approval re-runs the lint with the policy in force now (the admin's
 * settings and the targets' probe catalogs as they are at this moment), not
 * the one the revision was submitted under: a policy tightened after
 * submission must stop what it now refuses before anything is signed. A lint
 * error refuses the approval with the findings, as at submission.
 */
export async function assertCurrentPolicyAllows(tx: Tx, revision: { source: string; targets: { id: string }[]; targetSelector: string | null }): Promise<void> {
  const settings = await readSettings(tx);
  // The catalogs of the hosts it would run on now: the named ones and those its selector matches.
  const { hosts } = await resolveRevisionTargets(tx, revision);
  const lint = lintProgram(revision.source, effectiveLintPolicy(settings), await probeCatalogOf(tx, hosts.map((host) => host.id)));
  if (lint.blocked) {
    throw policyRefusal(lint, "The policy in force now refuses this program, so it cannot be approved; reject it or request changes");
  }
}

/** UNPROCESSABLE naming the first blocking finding, with every one in the details so the editor and the review page can mark them. */
function policyRefusal(lint: LintResult, lead: string): AppError {
  const errors = lint.findings.filter((f) => f.severity === "error");
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new AppError("UNPROCESSABLE", `${lead}: line ${first.line}: ${first.message}${more}`, { findings: errors });
}

/** What the stored revision keeps of the preparation: the lint and the review bar fixed at submission. */
export function revisionReview(prepared: PreparedRevision) {
  return {
    lint: { findings: prepared.lint.findings, summary: prepared.lint.summary },
    approvalsRequired: prepared.approvalsRequired,
    securityReviewRequired: prepared.securityReviewRequired,
    reviewDeadline: prepared.reviewDeadline,
  };
}

/**
 * Stores a prepared revision as the program's next one and audits the
 * submission; CONFLICT with `conflict` when another revision got there first
 * (`expectedLatest` is the number the submitter built on, 0 for a new program).
 */
export async function submitRevision(
  tx: Tx,
  actor: { id: string; name: string },
  submission: { programId: string; expectedLatest: number; prepared: PreparedRevision; conflict: string },
): Promise<{ id: string; number: number }> {
  const { programId, prepared } = submission;
  const revision = await insertNextRevision(tx, {
    programId,
    expectedLatest: submission.expectedLatest,
    authorId: actor.id,
    content: prepared.content,
    review: revisionReview(prepared),
  });
  if (!revision) throw new AppError("CONFLICT", submission.conflict);
  await appendAudit(tx, {
    actor: userActor(actor),
    action: "revision.submit",
    target: { type: "revision", id: revision.id },
    toState: "PENDING",
    contentHash: prepared.content.contentHash,
    data: { programId, number: revision.number, risk: prepared.lint.summary.risk, selector: prepared.content.targetSelector },
  });
  return revision;
}

/** UNPROCESSABLE when a revision resolves to more hosts than one approval may sign for. */
export function assertWithinHostCap(count: number, maxHostsPerApproval = DEFAULT_MAX_HOSTS_PER_APPROVAL, selector: string | null): void {
  if (count <= maxHostsPerApproval) return;
  throw new AppError(
    "UNPROCESSABLE",
    `${selector ? `The selector ${selector} with the named hosts resolves` : "The revision names"} ${count} hosts; one approval signs orders for at most ${maxHostsPerApproval} (WORKBENCH_MAX_HOSTS_PER_APPROVAL). Narrow the selector, or split the fleet into several programs.`,
  );
}
