import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { hashSecret, newSecret } from "@/lib/server/auth/secrets.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { insertEnrollmentToken } from "@/lib/server/data/enrollment-tokens.ts";

export const createEnrollmentTokenInput = z.object({
  ttlMinutes: z
    .number({ error: "The lifetime is a number of minutes." })
    .int()
    .min(1, "A token lives at least a minute.")
    .max(7 * 24 * 60, "A token lives at most 7 days.")
    .default(60),
});

export type CreateEnrollmentTokenInput = z.infer<typeof createEnrollmentTokenInput>;

/** A one-time token an agent exchanges for its own credential. Shown once; only its hash is kept. */
export async function createEnrollmentToken(
  db: Db,
  actor: Actor,
  input: CreateEnrollmentTokenInput,
  now = new Date(),
): Promise<{ id: string; token: string; expiresAt: Date }> {
  authorize(actor, "host.enroll-token.create");
  const token = newSecret("wbe");
  const expiresAt = new Date(now.getTime() + input.ttlMinutes * 60_000);
  return db.$transaction(async (tx) => {
    const created = await insertEnrollmentToken(tx, { tokenHash: hashSecret(token), createdById: actor.id, expiresAt });
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "enrollment-token.create",
      target: { type: "enrollment-token", id: created.id },
      toState: "ISSUED",
      data: { expiresAt: expiresAt.toISOString() },
    });
    return { id: created.id, token, expiresAt };
  });
}
