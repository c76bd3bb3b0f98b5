import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";

export async function insertEnrollmentToken(
  tx: Tx,
  token: { tokenHash: string; createdById: string; expiresAt: Date; labels: string[]; allowAgentLabels: boolean },
): Promise<{ id: string; expiresAt: Date }> {
  return tx.enrollmentToken.create({ data: token, select: { id: true, expiresAt: true } });
}

export type ConsumedEnrollmentToken = { id: string; labels: string[]; allowAgentLabels: boolean };

/**
 * Marks the token used if it is unused and unexpired, in one statement, so two
 * agents racing with the same token cannot both enroll. Returns the token, with
 * the labels it gives the host, when this call consumed it.
 */
export async function consumeEnrollmentToken(tx: Tx, tokenHash: string, now: Date): Promise<ConsumedEnrollmentToken | null> {
  const token = await tx.enrollmentToken.findUnique({ where: { tokenHash }, select: { id: true, labels: true, allowAgentLabels: true } });
  if (!token) return null;
  const { count } = await tx.enrollmentToken.updateMany({
    where: { id: token.id, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  return count === 1 ? token : null;
}

export async function attachTokenToHost(tx: Tx, tokenId: string, hostId: string): Promise<void> {
  await tx.enrollmentToken.update({ where: { id: tokenId }, data: { hostId } });
}

export type EnrollmentTokenSummary = {
  id: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  hostName: string | null;
  labels: string[];
  allowAgentLabels: boolean;
};

export async function listEnrollmentTokens(db: Db): Promise<EnrollmentTokenSummary[]> {
  const tokens = await db.enrollmentToken.findMany({
    orderBy: { createdAt: "desc" },
    take: 50,
    select: {
      id: true,
      createdAt: true,
      expiresAt: true,
      usedAt: true,
      labels: true,
      allowAgentLabels: true,
      createdBy: { select: { name: true } },
      host: { select: { name: true } },
    },
  });
  return tokens.map((t) => ({
    id: t.id,
    createdBy: t.createdBy.name,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    usedAt: t.usedAt,
    hostName: t.host?.name ?? null,
    labels: t.labels,
    allowAgentLabels: t.allowAgentLabels,
  }));
}
