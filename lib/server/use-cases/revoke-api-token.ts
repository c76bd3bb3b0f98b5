import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, can, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { findApiTokenOwner, markApiTokenRevoked } from "@/lib/server/data/api-tokens.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { AppError } from "@/lib/server/errors.ts";

/**
 * Revokes a token: its next request is refused (every request reads the
 * token's row). Its owner revokes it, or an admin (who manages users). A
 * second revoke is a conflict, not a second audit entry.
 */
export async function revokeApiToken(db: Db, actor: Actor, tokenId: string, now = new Date()): Promise<{ revokedAt: Date }> {
  authorize(actor, "token.manage");
  return db.$transaction(async (tx) => {
    const token = await findApiTokenOwner(tx, tokenId);
    // Someone else's token is "no such token" to a non-admin: ids do not leak whose they are.
    if (!token || (token.userId !== actor.id && !can(actor, "user.manage"))) throw new AppError("NOT_FOUND", "No such token.");
    if (!(await markApiTokenRevoked(tx, tokenId, now))) throw new AppError("CONFLICT", "This token was already revoked.");
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "api-token.revoke",
      target: { type: "api-token", id: tokenId },
      fromState: "ACTIVE",
      toState: "REVOKED",
      data: { name: token.name, ownerId: token.userId },
    });
    // A live socket opened with the token (workbench watch) is cut, like a signed-out session's.
    await notifyAfterCommit(tx, { type: "user.access-changed", userId: token.userId });
    return { revokedAt: now };
  });
}
