import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { AppError } from "@/lib/server/errors.ts";
import { getRevisionForReview } from "@/lib/server/use-cases/read-programs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { RevisionSummary } from "@/components/programs/revision-summary.tsx";
import { ReviewForm } from "./review-form.tsx";

export default async function ReviewPage({ params }: { params: Promise<{ revisionId: string }> }) {
  const { revisionId } = await params;
  const { actor, allowed } = await requirePageActor("program.read", `/reviews/${revisionId}`);
  if (!allowed) return <Forbidden what="read programs" />;
  const revision = await getRevisionForReview(getDb(), actor, revisionId).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const ownWork = revision.authorId === actor.id || revision.program.authorId === actor.id;
  return (
    <main>
      <h1>
        Review: <Link href={`/programs/${revision.program.id}`}>{revision.program.name}</Link>, revision {revision.number}
      </h1>
      <section className="panel">
        <p className="muted">
          This is exactly what the agent on each target host will run if you approve: the program text, the hosts, and the duration
          limit are signed together.
        </p>
        <RevisionSummary revision={revision} />
      </section>
      {revision.status !== "PENDING" ? (
        <p className="notice">This revision is {revision.status.toLowerCase()}; there is nothing to decide.</p>
      ) : !can(actor, "revision.review") ? (
        <p className="notice">Only reviewers decide on revisions.</p>
      ) : ownWork ? (
        <p className="notice" data-testid="own-revision">
          You wrote this revision, so someone else has to review it.
        </p>
      ) : (
        <ReviewForm revisionId={revision.id} programId={revision.program.id} />
      )}
    </main>
  );
}
