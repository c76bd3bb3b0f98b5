import "server-only";
import { z } from "zod";
import { hostLabelsSchema } from "@/lib/shared/host-labels.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { lockHostLabels, setHostLabels } from "@/lib/server/data/hosts.ts";
import { AppError } from "@/lib/server/errors.ts";
import { parseInput } from "@/lib/server/parse-input.ts";

export const changeHostLabelsInput = z.object({
  labels: hostLabelsSchema,
  // Absent or blank is none; the output parses to itself (the use case parses what its route parsed).
  reason: z
    .string()
    .trim()
    .max(500, "Keep the reason under 500 characters.")
    .optional()
    .transform((reason) => reason || undefined),
});

const describeLabels = (labels: readonly string[]) => (labels.length ? labels.join(",") : "(no labels)");

/**
 * Replaces a host's labels. They decide which selectors pick the host from
 * the next approval on; orders already signed keep the hosts they name.
 * Audited with the labels before and after. The host's row lock makes two
 * admins' edits take turns, so each audit entry's "before" is what the edit
 * really replaced.
 */
export async function changeHostLabels(db: Db, actor: Actor, hostId: string, rawInput: z.input<typeof changeHostLabelsInput>): Promise<{ labels: string[]; changed: boolean }> {
  authorize(actor, "host.label");
  const input = parseInput(changeHostLabelsInput, rawInput);
  return db.$transaction(async (tx) => {
    const host = await lockHostLabels(tx, hostId);
    if (!host) throw new AppError("NOT_FOUND", "No such host.");
    if (describeLabels(host.labels) === describeLabels(input.labels)) return { labels: input.labels, changed: false };
    await setHostLabels(tx, hostId, input.labels);
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "host.labels-change",
      target: { type: "host", id: hostId },
      fromState: describeLabels(host.labels),
      toState: describeLabels(input.labels),
      reason: input.reason ?? null,
      data: { host: host.name, before: host.labels, after: input.labels },
    });
    return { labels: input.labels, changed: true };
  });
}
