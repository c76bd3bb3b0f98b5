import "server-only";
import { API_TOKEN_PATTERN, TOKEN_SCOPE_NAMES, type TokenScope } from "@/lib/shared/api-token.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { Actor } from "@/lib/server/auth/permissions.ts";
import { hashSecret } from "@/lib/server/auth/secrets.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { findApiTokenByHash, recordApiTokenUse, REMEMBERED_ADDRESSES } from "@/lib/server/data/api-tokens.ts";
import { AppError } from "@/lib/server/errors.ts";

/** A use this much later than the recorded last use is written down; closer uses are not (one write per minute at most). */
const LAST_USE_RESOLUTION_MS = 60_000;

/** The token in an `Authorization: Bearer TOKEN` header, or a 401 saying what is wrong with the header. */
export function bearerTokenOf(authorization: string): string {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!match) throw new AppError("UNAUTHENTICATED", "The Authorization header is not `Bearer TOKEN`; send an API token from your account page, or sign in.");
  return match[1]!;
}

/**
 * The user behind an API token, narrowed to its scopes, or a 401 that says
 * why not: malformed, unknown, revoked, expired, or its user is disabled.
 * Each request reads the token's row, so revoking it or disabling its user
 * applies to the next request. A use from an address the token was not used
 * from before is audited (with the token's id, never the token).
 */
export async function authenticateApiToken(db: Db, token: string, address: string | null, now = new Date()): Promise<Actor> {
  if (!API_TOKEN_PATTERN.test(token)) {
    throw new AppError(
      "UNAUTHENTICATED",
      "The bearer token is malformed: a workbench API token is wbt_ and 43 more characters. Copy it again, or create one on your account page.",
    );
  }
  const found = await findApiTokenByHash(db, hashSecret(token));
  if (!found) throw new AppError("UNAUTHENTICATED", "This API token is not known here (mistyped, or from another workbench); create one on your account page.");
  if (found.revokedAt) throw new AppError("UNAUTHENTICATED", `This API token was revoked on ${found.revokedAt.toISOString()}; create a new one on your account page.`);
  if (found.expiresAt <= now) throw new AppError("UNAUTHENTICATED", `This API token expired on ${found.expiresAt.toISOString()}; create a new one on your account page.`);
  if (found.user.disabledAt) throw new AppError("UNAUTHENTICATED", "The account this API token belongs to is disabled.");

  const newAddress = address !== null && !found.usedFrom.includes(address);
  if (newAddress || !found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() >= LAST_USE_RESOLUTION_MS) {
    await db.$transaction(async (tx) => {
      const usedFrom = newAddress ? [...found.usedFrom, address].slice(-REMEMBERED_ADDRESSES) : found.usedFrom;
      const recorded = await recordApiTokenUse(tx, found.id, { at: now, usedFrom, newAddress: newAddress ? address : null });
      if (newAddress && recorded) {
        await appendAudit(tx, {
          actor: { type: "user", id: found.user.id, name: found.user.name },
          action: "api-token.use-from-new-address",
          target: { type: "api-token", id: found.id },
          data: { address, name: found.name },
        });
      }
    });
  }
  const { id, name, email, roles } = found.user;
  const scopes = found.scopes.filter((scope): scope is TokenScope => (TOKEN_SCOPE_NAMES as string[]).includes(scope));
  return { id, name, email, roles, token: { id: found.id, scopes } };
}
