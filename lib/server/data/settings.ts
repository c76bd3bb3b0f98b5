import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import { partialLintPolicySchema, type LintPolicy } from "@/lib/shared/policy/policy.ts";
import { DEFAULT_REVIEW_RULES, reviewRulesSchema, type ReviewRules } from "@/lib/server/settings/review-rules.ts";

export type StoredSettings = {
  reviewRules: ReviewRules;
  /** Only what the admin changed; the rest is the default policy. */
  lintPolicy: Partial<LintPolicy>;
  updatedAt: Date | null;
  updatedBy: string | null;
};

/** The settings row, or the defaults when nobody saved any. A stored value that no longer validates falls back to the default. */
export async function readSettings(db: Db | Tx): Promise<StoredSettings> {
  const row = await db.workbenchSettings.findUnique({
    where: { id: 1 },
    select: { reviewRules: true, lintPolicy: true, updatedAt: true, updatedBy: { select: { name: true } } },
  });
  const rules = reviewRulesSchema.partial().safeParse(row?.reviewRules ?? {});
  const lint = partialLintPolicySchema.safeParse(row?.lintPolicy ?? {});
  return {
    reviewRules: { ...DEFAULT_REVIEW_RULES, ...(rules.success ? rules.data : {}) },
    lintPolicy: lint.success ? lint.data : {},
    updatedAt: row?.updatedAt ?? null,
    updatedBy: row?.updatedBy?.name ?? null,
  };
}

export async function writeSettings(tx: Tx, settings: { reviewRules: ReviewRules; lintPolicy: Partial<LintPolicy> }, userId: string): Promise<void> {
  await tx.workbenchSettings.upsert({
    where: { id: 1 },
    create: { id: 1, reviewRules: settings.reviewRules, lintPolicy: settings.lintPolicy, updatedById: userId },
    update: { reviewRules: settings.reviewRules, lintPolicy: settings.lintPolicy, updatedById: userId },
  });
}
