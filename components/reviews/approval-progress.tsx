import type { RevisionView } from "@/lib/server/data/programs.ts";

/** How far a pending revision is from approval: valid approvals, the security review, the deadline. */
export function ApprovalProgress({ revision, now }: { revision: RevisionView; now: Date }) {
  const valid = revision.reviews.filter((r) => r.decision === "APPROVE" && !r.revokedAt && (!r.validUntil || r.validUntil > now));
  const securityDone = valid.some((r) => r.bySecurityReviewer);
  return (
    <p className="notice" data-testid="approval-progress">
      {valid.length} of {revision.approvalsRequired} approval{revision.approvalsRequired === 1 ? "" : "s"}
      {revision.securityReviewRequired && (securityDone ? ", including a security reviewer's" : "; a security reviewer must approve it too (it uses elevated probes)")}
      {revision.reviewDeadline && revision.status === "PENDING" && `. The review window closes ${revision.reviewDeadline.toISOString().replace("T", " ").slice(0, 16)} UTC.`}
    </p>
  );
}
