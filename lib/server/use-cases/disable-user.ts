import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { endUserSessions, findUserForAdministration, setUserDisabledAt } from "@/lib/server/data/users.ts";
import { AppError } from "@/lib/server/errors.ts";
import { beginUserAdministration, optionalReason } from "./user-administration.ts";

export const disableUserInput = z.object({ reason: optionalReason });

/**
 * Shuts a user out: the account can no longer sign in (with any provider) and
 * every open session ends at once, in the same transaction. Their programs,
 * reviews and audit entries stay. An admin cannot disable themselves.
 */
export async function disableUser(
  db: Db,
  actor: Actor,
  userId: string,
  input: z.output<typeof disableUserInput>,
  now = new Date(),
): Promise<{ disabledAt: Date; sessionsEnded: number }> {
  authorize(actor, "user.manage");
  if (userId === actor.id) throw new AppError("UNPROCESSABLE", "You cannot disable your own account; another admin has to.");
  return db.$transaction(async (tx) => {
    await beginUserAdministration(tx, actor);
    const user = await findUserForAdministration(tx, userId);
    if (!user) throw new AppError("NOT_FOUND", "No such user.");
    if (user.disabledAt) throw new AppError("CONFLICT", "This account is already disabled.");
    await setUserDisabledAt(tx, userId, now);
    const sessionsEnded = await endUserSessions(tx, userId, now);
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "user.disable",
      target: { type: "user", id: userId },
      fromState: "ACTIVE",
      toState: "DISABLED",
      reason: input.reason,
      data: { email: user.email, sessionsEnded },
    });
    // Every server process cuts the account's live sockets.
    await notifyAfterCommit(tx, { type: "user.access-changed", userId });
    return { disabledAt: now, sessionsEnded };
  });
}
