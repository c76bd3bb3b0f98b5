import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { AppError } from "@/lib/server/errors.ts";
import type { RevisionView } from "@/lib/server/data/programs.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { getProgram, getRevisionForReview, readRevisionTargetsNow } from "@/lib/server/use-cases/read-programs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { RevisionSummary } from "@/components/programs/revision-summary.tsx";
import { ApprovalProgress } from "@/components/reviews/approval-progress.tsx";
import { LineComments } from "@/components/reviews/line-comments.tsx";
import { LintReport, type StoredLint } from "@/components/reviews/lint-report.tsx";
import { RevisionDiff } from "@/components/reviews/revision-diff.tsx";
import { DryRunPanel } from "@/components/reviews/dry-run-panel.tsx";
import { TargetResolution } from "@/components/reviews/target-resolution.tsx";
import { dryRunProps, listDryRunsFor } from "@/lib/server/use-cases/read-dry-runs.ts";
import { RunbookPolicyView } from "@/components/runbooks/runbook-policy-view.tsx";
import { ReviewForm } from "./review-form.tsx";

export default async function ReviewPage({ params }: { params: Promise<{ revisionId: string }> }) {
  const { revisionId } = await params;
  const { actor, allowed } = await requirePageActor("program.read", `/reviews/${revisionId}`);
  if (!allowed) return <Forbidden what="read programs" />;
  const db = getDb();
  const revision = await getRevisionForReview(db, actor, revisionId).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const program = await getProgram(db, actor, revision.program.id);
  const dryRuns = await listDryRunsFor(db, actor, revision.id);
  const targetsNow = await readRevisionTargetsNow(db, actor, revision);
  const earlier = program.revisions.filter((r) => r.number < revision.number);
  const ownWork = revision.authorId === actor.id || revision.program.authorId === actor.id;
  const alreadyReviewed = revision.reviews.some((r) => r.reviewerId === actor.id);
  const version = (r: RevisionView) => ({ number: r.number, source: r.source, durationSec: r.durationSec, targets: r.targets.map((t) => t.name), selector: r.targetSelector });

  return (
    <main>
      <h1>
        Review: <Link href={`/programs/${revision.program.id}`}>{revision.program.name}</Link>, revision {revision.number}
      </h1>
      <section className="panel">
        <p className="muted">
          This is exactly what the agent on each target host will run if it is approved: the program text, the host and the duration limit are signed together, in one order per
          host.
        </p>
        <RevisionSummary revision={revision} canRevoke={can(actor, "approval.revoke")} showSource={false} />
        {revision.runbookPolicy && (
          <>
            <h2>Runbook launch policy</h2>
            <p className="muted">
              Approving a runbook signs no order now: it lets the roles below launch this exact program on hosts of its scope, with values within these bounds, until the
              approval&apos;s validity ends. The policy is part of the content hash you approve.
            </p>
            <RunbookPolicyView policy={revision.runbookPolicy} durationSec={revision.durationSec} />
          </>
        )}
        <h2>{revision.runbookPolicy ? "Scope (where launches may run)" : "Where it runs"}</h2>
        <TargetResolution
          selector={revision.targetSelector}
          namedCount={revision.targets.length}
          now={targetsNow}
          maxHostsPerApproval={loadServerEnv().WORKBENCH_MAX_HOSTS_PER_APPROVAL}
        />
        <h2>Program</h2>
        <LineComments
          revisionId={revision.id}
          source={revision.source}
          comments={revision.comments.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() }))}
          canComment={can(actor, "revision.comment")}
        />
      </section>
      <section className="panel">
        <h2>Policy lint</h2>
        <LintReport lint={revision.lint as StoredLint | null} />
        <h2>Dry run on a target host</h2>
        <DryRunPanel
          revisionId={revision.id}
          hosts={targetsNow.hosts.map(({ id, name }) => ({ id, name }))}
          initial={dryRuns.map(dryRunProps)}
          canRequest={can(actor, "revision.dry-run")}
        />
      </section>
      {earlier.length > 0 && (
        <section className="panel">
          <h2>Changes</h2>
          <RevisionDiff current={version(revision)} earlier={earlier.map(version)} />
        </section>
      )}
      <section>
        <h2>Decision</h2>
        {revision.status === "PENDING" && <ApprovalProgress revision={revision} now={new Date()} />}
        {revision.status !== "PENDING" ? (
          <p className="notice">This revision is {revision.status.toLowerCase().replace("_", " ")}; there is nothing to decide.</p>
        ) : !can(actor, "revision.review") ? (
          <p className="notice">Only reviewers decide on revisions.</p>
        ) : ownWork ? (
          <p className="notice" data-testid="own-revision">
            You wrote this revision, so someone else has to review it.
          </p>
        ) : alreadyReviewed ? (
          <p className="notice">You have reviewed this revision; it waits for other reviewers.</p>
        ) : (
          <ReviewForm revisionId={revision.id} programId={revision.program.id} />
        )}
      </section>
    </main>
  );
}
