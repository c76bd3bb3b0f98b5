import "server-only";
import { z } from "zod";
import { partialLintPolicySchema } from "@/lib/shared/policy/policy.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { readSettings, writeSettings, type StoredSettings } from "@/lib/server/data/settings.ts";
import { reviewRulesSchema } from "@/lib/server/settings/review-rules.ts";

export const updateSettingsInput = z.strictObject({
  reviewRules: reviewRulesSchema,
  lintPolicy: partialLintPolicySchema,
});

export type UpdateSettingsInput = z.infer<typeof updateSettingsInput>;

export async function getSettings(db: Db, actor: Actor): Promise<StoredSettings> {
  authorize(actor, "settings.read");
  return readSettings(db);
}

/** Replaces the review rules and the lint policy overrides; the change is audited with before and after. */
export async function updateSettings(db: Db, actor: Actor, input: UpdateSettingsInput): Promise<StoredSettings> {
  authorize(actor, "settings.update");
  await db.$transaction(async (tx) => {
    const before = await readSettings(tx);
    await writeSettings(tx, input, actor.id);
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "settings.update",
      target: { type: "settings", id: "1" },
      fromState: JSON.stringify({ reviewRules: before.reviewRules, lintPolicy: before.lintPolicy }),
      toState: JSON.stringify(input),
    });
  });
  return readSettings(db);
}
