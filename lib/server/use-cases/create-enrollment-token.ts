import "server-only";
import { z } from "zod";
import { hostLabelsSchema } from "@/lib/shared/host-labels.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { hashSecret, newSecret } from "@/lib/server/auth/secrets.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { insertEnrollmentToken } from "@/lib/server/data/enrollment-tokens.ts";
import { parseInput } from "@/lib/server/parse-input.ts";

export const createEnrollmentTokenInput = z.object({
  ttlMinutes: z
    .number({ error: "The lifetime is a number of minutes." })
    .int()
    .min(1, "A token lives at least a minute.")
    .max(7 * 24 * 60, "A token lives at most 7 days.")
    .default(60),
  /** The labels the host gets (role=db, zone=eu-1): the admin decides where a host belongs, not the host. */
  labels: hostLabelsSchema.default([]),
  /** Let the agent add labels of its own (`enroll --label`); the token's labels win on the same key. */
  allowAgentLabels: z.boolean({ error: "allowAgentLabels is true or false." }).default(false),
});

export type CreateEnrollmentTokenInput = z.input<typeof createEnrollmentTokenInput>;

/**
 * A one-time token an agent exchanges for its own credential, carrying the
 * labels the host enrolled with it gets. Shown once; only its hash is kept.
 */
export async function createEnrollmentToken(
  db: Db,
  actor: Actor,
  rawInput: CreateEnrollmentTokenInput,
  now = new Date(),
): Promise<{ id: string; token: string; expiresAt: Date; labels: string[]; allowAgentLabels: boolean }> {
  authorize(actor, "host.enroll-token.create");
  const input = parseInput(createEnrollmentTokenInput, rawInput);
  const token = newSecret("wbe");
  const expiresAt = new Date(now.getTime() + input.ttlMinutes * 60_000);
  return db.$transaction(async (tx) => {
    const created = await insertEnrollmentToken(tx, {
      tokenHash: hashSecret(token),
      createdById: actor.id,
      expiresAt,
      labels: input.labels,
      allowAgentLabels: input.allowAgentLabels,
    });
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "enrollment-token.create",
      target: { type: "enrollment-token", id: created.id },
      toState: "ISSUED",
      data: { expiresAt: expiresAt.toISOString(), labels: input.labels, allowAgentLabels: input.allowAgentLabels },
    });
    return { id: created.id, token, expiresAt, labels: input.labels, allowAgentLabels: input.allowAgentLabels };
  });
}
