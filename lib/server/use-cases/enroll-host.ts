import "server-only";
import { z } from "zod";
import { HOST_NAME_PATTERN } from "@/lib/shared/limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { hashSecret, newSecret } from "@/lib/server/auth/secrets.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { attachTokenToHost, consumeEnrollmentToken } from "@/lib/server/data/enrollment-tokens.ts";
import { enrollHostRecord } from "@/lib/server/data/hosts.ts";
import { AppError } from "@/lib/server/errors.ts";

export const enrollHostInput = z.object({
  token: z.string({ error: "The enrollment token is missing." }).min(10).max(200),
  hostName: z
    .string({ error: "The host name is missing." })
    .regex(HOST_NAME_PATTERN, "A host name is letters, digits, '.', '_' and '-', at most 63 characters."),
  labels: z.array(z.string().regex(/^[a-z0-9][a-z0-9._=-]{0,62}$/i, "A label is letters, digits, '.', '_', '=' and '-'.")).max(32).default([]),
});

export type EnrollHostInput = z.infer<typeof enrollHostInput>;

/**
 * Exchanges a one-time enrollment token for the host's long-lived credential.
 * The token is consumed by a conditional update, so it works exactly once.
 */
export async function enrollHost(db: Db, input: EnrollHostInput, now = new Date()): Promise<{ hostId: string; credential: string }> {
  const credential = newSecret("wba");
  return db.$transaction(async (tx) => {
    const tokenId = await consumeEnrollmentToken(tx, hashSecret(input.token), now);
    if (!tokenId) throw new AppError("UNAUTHENTICATED", "The enrollment token is unknown, used or expired.");
    const host = await enrollHostRecord(tx, { name: input.hostName, labels: input.labels, credentialHash: hashSecret(credential) });
    await attachTokenToHost(tx, tokenId, host.id);
    await appendAudit(tx, {
      actor: { type: "host", id: host.id, name: input.hostName },
      action: host.reenrolled ? "host.reenroll" : "host.enroll",
      target: { type: "host", id: host.id },
      toState: "ENROLLED",
      data: { tokenId, labels: input.labels },
    });
    return { hostId: host.id, credential };
  });
}
