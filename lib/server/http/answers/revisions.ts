import { z } from "zod";
import { dryRunFindingSchema } from "@/lib/protocol/agent-events.ts";
import { DryRunStatus, ReviewDecision, RevisionStatus } from "@/lib/server/db/generated/enums.ts";
import { ALL_FINDING_CODES } from "@/lib/shared/policy/finding-codes.ts";
import { runbookParamsSchema } from "@/lib/shared/runbook-params.ts";
import { LAUNCH_ROLES } from "@/lib/shared/runbook-policy.ts";
import { isoDateTime, nullableDateTime } from "./common.ts";

// Answers of /api/revisions/* and /api/reviews/[reviewId]/revoke: a revision with its reviews,
// comments and dry runs, and what commenting, reviewing and revoking answer. The revision view
// is shared with /api/programs/[programId] (programs.ts) and the runbook policy with runbooks.ts.

/** A runbook's launch policy as stored (lib/shared/runbook-policy.ts, after its defaults are filled in). */
export const runbookPolicyAnswer = z.object({
  measures: z.string().describe("What the runbook measures, in a sentence."),
  whenToUse: z.string(),
  params: runbookParamsSchema.describe("The typed parameters, in order: the first is bpftrace's $1."),
  maxHostsPerLaunch: z.number().int(),
  maxConcurrentLaunches: z.number().int().describe("How many launches may have runs queued or running at once."),
  launchRoles: z.array(z.enum(LAUNCH_ROLES)).describe("The roles that may launch it, sorted, each once."),
  validityDays: z.number().int().describe("How long, in days, an approval of the runbook lasts (capped by WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS)."),
});

const lintFinding = z.object({
  code: z.enum(ALL_FINDING_CODES).describe("docs/policy-lint.md documents each code."),
  severity: z.enum(["error", "warning"]),
  message: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int(),
  endColumn: z.number().int().describe("Just after the last character, 1-based."),
});

const lintResult = z
  .object({
    findings: z.array(lintFinding),
    summary: z.object({
      probes: z.array(
        z.object({
          spec: z.string(),
          type: z.string().nullable(),
          count: z.number().int().nullable().describe("Probes it attaches; null for a wildcard no catalog could count."),
          line: z.number().int(),
          column: z.number().int(),
        }),
      ),
      probeTypes: z.array(z.string()),
      probeCount: z.number().int(),
      probeCountExact: z.boolean().describe("False when some wildcard could not be counted, so probeCount is a lower bound."),
      functions: z.array(z.string()),
      builtins: z.array(z.string()),
      notable: z.array(z.object({ name: z.string(), reason: z.string() })).describe("Uses a reviewer should look at twice, with why."),
      risk: z.enum(["low", "elevated", "refused"]),
      riskReason: z.string(),
    }),
  })
  .describe("The policy lint's findings and summary at submission (lib/shared/policy/lint-program.ts), as stored with the revision.");

const reviewView = z.object({
  id: z.string(),
  reviewerId: z.string(),
  reviewerName: z.string(),
  decision: z.enum(ReviewDecision),
  reason: z.string(),
  createdAt: isoDateTime,
  bySecurityReviewer: z.boolean(),
  validUntil: nullableDateTime.describe("Until when an approval counts; null for a rejection or a request for changes."),
  revokedAt: nullableDateTime,
  revokedBy: z.string().nullable().describe("The name of who revoked the approval."),
  revokeReason: z.string().nullable(),
});

const commentView = z.object({ id: z.string(), line: z.number().int(), body: z.string(), authorName: z.string(), createdAt: isoDateTime });

export const revisionView = z.object({
  id: z.string(),
  number: z.number().int(),
  status: z.enum(RevisionStatus),
  source: z.string().describe("The bpftrace program."),
  durationSec: z.number().int().describe("The longest a run of it may last."),
  contentHash: z.string().describe("The hash reviewers approve: over the source, duration, targets, selector, canary rule and runbook policy."),
  authorId: z.string(),
  authorName: z.string(),
  createdAt: isoDateTime,
  decidedAt: nullableDateTime,
  targets: z.array(z.object({ id: z.string(), name: z.string() })).describe("The hosts it names, by name (revoked ones included)."),
  targetSelector: z.string().nullable().describe("Canonical label selector, resolved at approval; null when it names its hosts only."),
  canary: z
    .object({ hosts: z.array(z.string()), periodSec: z.number().int() })
    .nullable()
    .describe("The canary rule reviewers sign (host names; 0 s: none chosen), or null when it runs on one host."),
  reviews: z.array(reviewView),
  comments: z.array(commentView),
  // Typed unknown like the Json column the data layer reads it from; the schema itself is precise.
  lint: lintResult as z.ZodType<unknown>,
  approvalsRequired: z.number().int(),
  securityReviewRequired: z.boolean(),
  reviewDeadline: nullableDateTime.describe("When a pending revision expires."),
  runbookPolicy: runbookPolicyAnswer.nullable().describe("A runbook's launch policy, or null for an ordinary revision."),
});

export const revisionAnswer = z.object({
  revision: revisionView.extend({
    program: z.object({ id: z.string(), name: z.string(), latestRevision: z.number().int(), authorId: z.string() }),
  }),
});

export const revisionCommentAnswer = z.object({ commentId: z.string() });

const dryRunView = z.object({
  id: z.string(),
  revisionId: z.string(),
  hostId: z.string(),
  hostName: z.string().describe("The host's name, or its id when the host is gone."),
  status: z.enum(DryRunStatus),
  probes: z.array(z.string()).describe("Probes bpftrace would attach, wildcards expanded; empty unless OK."),
  probeCount: z.number().int().nullable(),
  message: z.string().nullable().describe("bpftrace's compile error, the agent's refusal, or why no agent answered."),
  findings: z.array(dryRunFindingSchema).describe("The agent's own policy findings."),
  bpftraceVersion: z.string().nullable(),
  elapsedMs: z.number().int().nullable(),
  createdAt: isoDateTime,
  completedAt: nullableDateTime,
  reportedBy: z
    .object({ hostId: z.string(), hostName: z.string(), at: isoDateTime })
    .nullable()
    .describe("The host whose agent reported the outcome and when; null while waiting and when no agent answered."),
});

export const dryRunAnswer = z.object({ dryRun: dryRunView });

export const dryRunListAnswer = z.object({ dryRuns: z.array(dryRunView).describe("Newest first, at most 20.") });

export const reviewOutcomeAnswer = z.object({
  reviewId: z.string(),
  status: z.enum(["PENDING", "APPROVED", "REJECTED", "CHANGES_REQUESTED"]).describe("The revision's status after this decision."),
  approvals: z.number().int().describe("Valid approvals so far (0 after a rejection or a request for changes)."),
  approvalsRequired: z.number().int(),
  securityApprovalMissing: z.boolean(),
  runIds: z.array(z.string()).describe("The runs whose orders the approval signed; empty unless it completed the approval of an ordinary revision."),
});

export const revokedApprovalAnswer = z.object({
  revisionStatus: z.string().describe("The revision's status afterwards: REVOKED if it was approved, else unchanged."),
  stoppedRuns: z.number().int().describe("Running runs told to stop."),
  endedRuns: z.number().int().describe("Queued runs ended before they started."),
});
