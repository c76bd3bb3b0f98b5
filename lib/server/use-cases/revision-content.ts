import "server-only";
import { createHash } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "@/lib/shared/canonical-json.ts";
import { hostSelectorSchema } from "@/lib/shared/host-selector.ts";
import { DEFAULT_RUNBOOK_VALIDITY_DAYS, runbookPolicySchema, undeclaredParamProblem, type RunbookPolicy } from "@/lib/shared/runbook-policy.ts";
import {
  DEFAULT_CANARY_PERIOD_SEC,
  DEFAULT_MAX_HOSTS_PER_APPROVAL,
  MAX_CANARY_HOSTS,
  MAX_CANARY_PERIOD_SEC,
  MAX_HOSTS_PER_APPROVAL_CEILING,
  MAX_PROGRAM_BYTES,
  MIN_DURATION_SEC,
} from "@/lib/shared/input-limits.ts";
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
  /** Makes the revision a runbook: its launch policy, approved with it (lib/shared/runbook-policy.ts). */
  runbook: runbookPolicySchema.optional(),
  /**
   * The canary rule for a revision that may run on more than one host (docs/run-order.md, "Canary"):
   * the hosts to start on first (default: the first target by name) and how long they run before
   * the others start (default DEFAULT_CANARY_PERIOD_SEC; 0: no canary, every host at once).
   */
  canary: z
    .object(
      {
        hostIds: z
          .array(z.string().min(1).max(64), { error: "Canary hosts are a list of host ids." })
          .max(MAX_CANARY_HOSTS, `At most ${MAX_CANARY_HOSTS} canary hosts.`)
          .default([]),
        periodSec: z
          .number({ error: "The canary period must be a number of seconds." })
          .int("The canary period must be a whole number of seconds.")
          .min(0, "The canary period cannot be negative.")
          .max(MAX_CANARY_PERIOD_SEC, `The canary period is at most ${MAX_CANARY_PERIOD_SEC} seconds.`)
          .default(DEFAULT_CANARY_PERIOD_SEC),
      },
      { error: "The canary is an object: { hostIds, periodSec }." },
    )
    .strict()
    .optional(),
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
 * it names, its selector (canonical), a runbook's launch policy and its
 * canary rule. A revision without a selector, a policy or a canary rule
 * hashes exactly as before they existed, so earlier hashes still check out.
 */
export function revisionContentHash(content: {
  source: string;
  durationSec: number;
  targetNames: string[];
  targetSelector?: string | null;
  runbookPolicy?: RunbookPolicy | null;
  canary?: CanaryRule | null;
}): string {
  const canonical = canonicalJson({
    source: content.source,
    limits: { durationSec: content.durationSec },
    targets: [...content.targetNames].sort(),
    selector: content.targetSelector ?? undefined,
    runbook: content.runbookPolicy ?? undefined,
    canary: content.canary ? { hosts: [...content.canary.hosts].sort(), periodSec: content.canary.periodSec } : undefined,
  });
  return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

/** A revision's canary rule: host names (empty: the first target by name) and seconds (0: none). */
export type CanaryRule = { hosts: string[]; periodSec: number };

/**
 * The canary rule a revision is submitted with: none when it can only run on
 * one host (one named host, no selector); otherwise the author's, or the
 * default. Named canary hosts must be targets of the revision now.
 */
function resolveCanaryRule(
  input: RevisionContentInput["canary"],
  targets: { named: { id: string; name: string }[]; resolved: { id: string; name: string }[]; selector: string | null },
): CanaryRule | null {
  const several = targets.selector !== null || targets.named.length > 1;
  if (!several) {
    if (input?.hostIds.length) throw new AppError("UNPROCESSABLE", "A canary needs more than one target host; this revision runs on one.");
    return null;
  }
  const periodSec = input?.periodSec ?? DEFAULT_CANARY_PERIOD_SEC;
  const ids = [...new Set(input?.hostIds ?? [])];
  if (periodSec === 0) {
    if (ids.length) throw new AppError("UNPROCESSABLE", "Canary hosts need a canary period of at least 1 second (0 means no canary).");
    return { hosts: [], periodSec: 0 };
  }
  const byId = new Map(targets.resolved.map((host) => [host.id, host.name]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new AppError("UNPROCESSABLE", `A canary host must be one of the revision's target hosts: ${missing.slice(0, 5).join(", ")} is not.`);
  return { hosts: ids.map((id) => byId.get(id)!).sort(), periodSec };
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
  rules: { maxDurationSec: number; maxHostsPerApproval?: number; maxRunbookValidityDays?: number; now: Date },
): Promise<PreparedRevision> {
  if (input.durationSec > rules.maxDurationSec) {
    throw new AppError("UNPROCESSABLE", `The duration limit is at most ${rules.maxDurationSec} seconds on this server.`);
  }
  const runbookPolicy = input.runbook ?? null;
  if (runbookPolicy) {
    assertRunbookPolicyAllowed(input.source, runbookPolicy, rules.maxRunbookValidityDays ?? DEFAULT_RUNBOOK_VALIDITY_DAYS);
    const cap = rules.maxHostsPerApproval ?? DEFAULT_MAX_HOSTS_PER_APPROVAL;
    if (runbookPolicy.maxHostsPerLaunch > cap) {
      throw new AppError(
        "UNPROCESSABLE",
        `One launch signs orders for at most ${cap} hosts on this server (WORKBENCH_MAX_HOSTS_PER_APPROVAL); the policy asks for ${runbookPolicy.maxHostsPerLaunch}.`,
      );
    }
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
  // A runbook's scope may be wider than one approval's cap: each launch takes at most maxHostsPerLaunch of it.
  if (!runbookPolicy) assertWithinHostCap(resolved.hosts.length, rules.maxHostsPerApproval, targetSelector);
  const settings = await readSettings(tx);
  const lint = lintProgram(
    input.source,
    effectiveLintPolicy(settings),
    await probeCatalogOf(
      tx,
      resolved.hosts.map((host) => host.id),
    ),
  );
  if (lint.blocked) throw policyRefusal(lint, "The policy refuses this program");
  const targets = hosts.map(({ id, name }) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  const canary = resolveCanaryRule(input.canary, { named: targets, resolved: resolved.hosts, selector: targetSelector });
  return {
    content: {
      source: input.source,
      durationSec: input.durationSec,
      targets,
      targetSelector,
      runbookPolicy,
      canary,
      contentHash: revisionContentHash({
        source: input.source,
        durationSec: input.durationSec,
        targetNames: targets.map((t) => t.name),
        targetSelector,
        runbookPolicy,
        canary,
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
  const lint = lintProgram(
    revision.source,
    effectiveLintPolicy(settings),
    await probeCatalogOf(
      tx,
      hosts.map((host) => host.id),
    ),
  );
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
 * What a launch policy must hold before a reviewer sees it: a validity within
 * the admin's cap (WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS), a parameter for every
 * `$N` the program reads, and no more hosts per launch than an approval may sign.
 */
export function assertRunbookPolicyAllowed(source: string, policy: RunbookPolicy, maxValidityDays: number): void {
  if (policy.validityDays > maxValidityDays) {
    throw new AppError(
      "UNPROCESSABLE",
      `A runbook's approval lasts at most ${maxValidityDays} days on this server (WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS); ${policy.validityDays} asks for more.`,
    );
  }
  const undeclared = undeclaredParamProblem(source, policy);
  if (undeclared) throw new AppError("UNPROCESSABLE", undeclared);
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
    data: { programId, number: revision.number, risk: prepared.lint.summary.risk, selector: prepared.content.targetSelector, runbook: prepared.content.runbookPolicy !== null },
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
