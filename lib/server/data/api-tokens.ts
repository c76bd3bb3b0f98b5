import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { Role } from "@/lib/server/db/generated/enums.ts";

// API tokens (model ApiToken). Callers get plain objects; the hash never
// leaves this file except as the key it is looked up by.

/** How many client addresses a token remembers; a use from another one is audited as new. */
export const REMEMBERED_ADDRESSES = 32;

export async function insertApiToken(
  tx: Tx,
  token: { userId: string; name: string; tokenHash: string; scopes: string[]; expiresAt: Date },
): Promise<{ id: string; createdAt: Date }> {
  return tx.apiToken.create({ data: token, select: { id: true, createdAt: true } });
}

export type ApiTokenSummary = {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedFrom: string | null;
};

export async function listUserApiTokens(db: Db, userId: string): Promise<ApiTokenSummary[]> {
  const tokens = await db.apiToken.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: { id: true, name: true, scopes: true, createdAt: true, expiresAt: true, revokedAt: true, lastUsedAt: true, usedFrom: true },
  });
  return tokens.map(({ usedFrom, ...token }) => ({ ...token, lastUsedFrom: usedFrom.at(-1) ?? null }));
}

export type ApiTokenForUse = {
  id: string;
  name: string;
  scopes: string[];
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  usedFrom: string[];
  user: { id: string; name: string; email: string; roles: Role[]; disabledAt: Date | null };
};

export async function findApiTokenByHash(db: Db | Tx, tokenHash: string): Promise<ApiTokenForUse | null> {
  return db.apiToken.findUnique({
    where: { tokenHash },
    select: {
      id: true,
      name: true,
      scopes: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      usedFrom: true,
      user: { select: { id: true, name: true, email: true, roles: true, disabledAt: true } },
    },
  });
}

/**
 * Records a use: its time, and the addresses the token was used from. With
 * `newAddress`, only if that address is still missing from the row (so two
 * first requests from one address racing record it once); whether it wrote.
 */
export async function recordApiTokenUse(tx: Tx, tokenId: string, use: { at: Date; usedFrom: string[]; newAddress: string | null }): Promise<boolean> {
  const { count } = await tx.apiToken.updateMany({
    where: { id: tokenId, ...(use.newAddress !== null ? { NOT: { usedFrom: { has: use.newAddress } } } : {}) },
    data: { lastUsedAt: use.at, usedFrom: use.usedFrom },
  });
  return count === 1;
}

export async function findApiTokenOwner(tx: Tx, tokenId: string): Promise<{ id: string; name: string; userId: string; revokedAt: Date | null } | null> {
  return tx.apiToken.findUnique({ where: { id: tokenId }, select: { id: true, name: true, userId: true, revokedAt: true } });
}

/** Revokes a token unless it already is; whether this call did. */
export async function markApiTokenRevoked(tx: Tx, tokenId: string, at: Date): Promise<boolean> {
  const { count } = await tx.apiToken.updateMany({ where: { id: tokenId, revokedAt: null }, data: { revokedAt: at } });
  return count === 1;
}
