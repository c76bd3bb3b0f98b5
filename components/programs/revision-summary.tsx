import type { RevisionView } from "@/lib/server/data/programs.ts";

/** Everything a reader needs about one revision: what runs, where, under which limits, and who decided. */
export function RevisionSummary({ revision }: { revision: RevisionView }) {
  return (
    <div>
      <dl className="kv">
        <dt>Status</dt>
        <dd>
          <span className={`badge ${revision.status}`} data-testid="revision-status">
            {revision.status.toLowerCase()}
          </span>
        </dd>
        <dt>Author</dt>
        <dd>{revision.authorName}</dd>
        <dt>Target hosts</dt>
        <dd>{revision.targets.map((t) => t.name).join(", ")}</dd>
        <dt>Duration limit</dt>
        <dd>{revision.durationSec} s</dd>
        <dt>Content hash</dt>
        <dd className="mono">{revision.contentHash}</dd>
        <dt>Submitted</dt>
        <dd>{revision.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC</dd>
      </dl>
      <pre className="program" data-testid="revision-source">
        {revision.source}
      </pre>
      {revision.reviews.map((review) => (
        <p key={review.id} className={review.decision === "APPROVE" ? "notice" : "error"} data-testid="review-decision">
          <strong>{review.decision === "APPROVE" ? "Approved" : "Rejected"}</strong> by {review.reviewerName} on{" "}
          {review.createdAt.toISOString().replace("T", " ").slice(0, 16)}: {review.reason}
        </p>
      ))}
    </div>
  );
}
