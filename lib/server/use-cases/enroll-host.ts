import "server-only";
import { z } from "zod";
import { hostLabelsSchema, mergeLabels } from "@/lib/shared/host-labels.ts";
import { HOST_NAME_PATTERN } from "@/lib/shared/input-limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { hashSecret, newSecret } from "@/lib/server/auth/secrets.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { attachTokenToHost, consumeEnrollmentToken } from "@/lib/server/data/enrollment-tokens.ts";
import { enrollHostRecord, findHostByName } from "@/lib/server/data/hosts.ts";
import { AppError } from "@/lib/server/errors.ts";
import { parseInput } from "@/lib/server/parse-input.ts";

export const enrollHostInput = z.object({
  token: z.string({ error: "The enrollment token is missing." }).min(10).max(200),
  hostName: z.string({ error: "The host name is missing." }).regex(HOST_NAME_PATTERN, "A host name is letters, digits, '.', '_' and '-', at most 63 characters."),
  /** Labels the agent proposes (`enroll --label k=v`); kept only if the token allows it. */
  labels: hostLabelsSchema.default([]),
});

export type EnrollHostInput = z.input<typeof enrollHostInput>;

/**
 * Exchanges a one-time enrollment token for the host's long-lived credential.
 * The token is consumed by a conditional update, so it works exactly once.
 *
 * Labels decide which programs reach a host (a selector such as role=db), so
 * the admin who made the token decides them, not whoever holds it: the host
 * gets the token's labels. Labels the agent proposes are refused unless the
 * token allows them, and then the token's win on the same key; a host that
 * could label itself would pull itself into fleets it was never meant for, or
 * out of the ones watching it. A re-enrolled host (same name) keeps the labels
 * it had, with the token's (and allowed agent's) on top, so reinstalling a host
 * does not silently drop it out of its fleets.
 */
export async function enrollHost(db: Db, rawInput: EnrollHostInput, now = new Date()): Promise<{ hostId: string; credential: string; labels: string[] }> {
  const input = parseInput(enrollHostInput, rawInput);
  const credential = newSecret("wba");
  return db.$transaction(async (tx) => {
    const token = await consumeEnrollmentToken(tx, hashSecret(input.token), now);
    if (!token) throw new AppError("UNAUTHENTICATED", "The enrollment token is unknown, used or expired.");
    if (input.labels.length > 0 && !token.allowAgentLabels) {
      throw new AppError(
        "UNPROCESSABLE",
        "This enrollment token does not let the agent choose labels: the admin gives them on the token (or allows agent labels when creating it). Enroll without --label.",
      );
    }
    const existing = await findHostByName(tx, input.hostName);
    const labels = mergeLabels(mergeLabels(existing?.labels ?? [], input.labels), token.labels);
    const host = await enrollHostRecord(tx, { existingId: existing?.id ?? null, name: input.hostName, labels, credentialHash: hashSecret(credential) });
    await attachTokenToHost(tx, token.id, host.id);
    await appendAudit(tx, {
      actor: { type: "host", id: host.id, name: input.hostName },
      action: existing ? "host.reenroll" : "host.enroll",
      target: { type: "host", id: host.id },
      toState: "ENROLLED",
      data: { tokenId: token.id, labels, labelsBefore: existing?.labels ?? null, agentLabels: input.labels, tokenLabels: token.labels },
    });
    return { hostId: host.id, credential, labels };
  });
}
