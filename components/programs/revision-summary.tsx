import type { RevisionView } from "@/lib/server/data/programs.ts";
import { RevokeButton } from "@/components/reviews/revoke-button.tsx";
import { HostNames } from "./host-names.tsx";

const when = (date: Date) => date.toISOString().replace("T", " ").slice(0, 16);
const DECIDED = { APPROVE: "Approved", REJECT: "Rejected", REQUEST_CHANGES: "Changes requested" } as const;

/** Everything a reader needs about one revision: what runs, where, under which limits, and who decided. */
export function RevisionSummary({ revision, canRevoke = false, showSource = true }: { revision: RevisionView; canRevoke?: boolean; showSource?: boolean }) {
  return (
    <div>
      <dl className="kv">
        <dt>Status</dt>
        <dd>
          <span className={`badge ${revision.status}`} data-testid="revision-status">
            {revision.status.toLowerCase().replace("_", " ")}
          </span>
        </dd>
        <dt>Author</dt>
        <dd>{revision.authorName}</dd>
        <dt>Target hosts</dt>
        <dd data-testid="named-hosts">
          <HostNames names={revision.targets.map((t) => t.name)} empty={revision.targetSelector ? "none by name" : "none"} />
        </dd>
        {revision.targetSelector && (
          <>
            <dt>Label selector</dt>
            <dd>
              <code data-testid="target-selector">{revision.targetSelector}</code> <span className="muted">(resolved to hosts when approved)</span>
            </dd>
          </>
        )}
        {revision.canary && (
          <>
            <dt>Canary</dt>
            <dd data-testid="canary-rule">
              {revision.canary.periodSec === 0
                ? "none: every host starts at once"
                : `${revision.canary.hosts.length > 0 ? revision.canary.hosts.join(", ") : "the first target host by name"} first; the others start after it ran ${revision.canary.periodSec} s under its CPU budget without error, and never if it did not`}
            </dd>
          </>
        )}
        <dt>Duration limit</dt>
        <dd>{revision.durationSec} s</dd>
        <dt>Content hash</dt>
        <dd className="mono">{revision.contentHash}</dd>
        <dt>Submitted</dt>
        <dd>{when(revision.createdAt)} UTC</dd>
      </dl>
      {showSource && (
        <pre className="program" data-testid="revision-source">
          {revision.source}
        </pre>
      )}
      {revision.reviews.map((review) => (
        <div key={review.id} className={review.decision === "APPROVE" && !review.revokedAt ? "notice" : "error"} data-testid="review-decision">
          <strong>{DECIDED[review.decision]}</strong> by {review.reviewerName}
          {review.bySecurityReviewer && " (security reviewer)"} on {when(review.createdAt)}: {review.reason}
          {review.revokedAt && (
            <>
              {" "}
              <strong>Revoked</strong> by {review.revokedBy} on {when(review.revokedAt)}: {review.revokeReason}
            </>
          )}
          {review.decision === "APPROVE" && !review.revokedAt && review.validUntil && <span className="muted"> · valid until {when(review.validUntil)} UTC</span>}
          {canRevoke && review.decision === "APPROVE" && !review.revokedAt && (
            <div style={{ marginTop: 6 }}>
              <RevokeButton reviewId={review.id} />
            </div>
          )}
        </div>
      ))}
    </div>
  );
}
