import "server-only";
import { resolveLintPolicy, type LintPolicy } from "@/lib/shared/policy/policy.ts";
import type { StoredSettings } from "@/lib/server/data/settings.ts";

/**
 * The lint policy the server applies: the shared default, except that
 * elevated probe types (uprobes, kprobes, ...) may be submitted unless an
 * admin turned them off, because here they do not run unreviewed: a revision
 * that uses them needs a security reviewer's approval (the review rule
 * `elevatedNeedSecurityReview`). The admin's overrides come last.
 */
export function effectiveLintPolicy(settings: Pick<StoredSettings, "lintPolicy">): LintPolicy {
  return resolveLintPolicy({ allowElevatedProbeTypes: true, ...settings.lintPolicy });
}
