import "server-only";
import { z } from "zod";

// The review rules an admin configures. Defaults are the safe ones: one
// approval, a day to review, approvals valid for hours (not weeks), and riskier
// probe types only with a security reviewer's approval. That nobody approves
// their own revision is not a setting: it always holds.
export const reviewRulesSchema = z.strictObject({
  approvalsRequired: z.number().int().min(1, "At least one approval.").max(5, "At most five approvals."),
  /** How long a submitted revision waits for its decision before it expires. */
  reviewWindowHours: z
    .number()
    .min(1, "At least an hour.")
    .max(24 * 14, "At most two weeks."),
  /** How long an approval stays valid: its run orders expire then, and running ones stop. */
  approvalValidHours: z
    .number()
    .min(0.25, "At least 15 minutes.")
    .max(24 * 7, "At most a week."),
  /**
   * Programs using elevated probe types (uprobes, kprobes, ...) may be submitted, and then need an
   * approval from a security reviewer. Off: such programs are refused at submission.
   */
  elevatedNeedSecurityReview: z.boolean(),
});

export type ReviewRules = z.infer<typeof reviewRulesSchema>;

export const DEFAULT_REVIEW_RULES: ReviewRules = {
  approvalsRequired: 1,
  reviewWindowHours: 24,
  approvalValidHours: 4,
  elevatedNeedSecurityReview: true,
};
