import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { findUserForAdministration, setUserDisabledAt } from "@/lib/server/data/users.ts";
import { AppError } from "@/lib/server/errors.ts";
import { beginUserAdministration, optionalReason } from "./user-administration.ts";

export const enableUserInput = z.object({ reason: optionalReason });

/** Lets a disabled user sign in again. Sessions ended by the disabling stay ended. */
export async function enableUser(db: Db, actor: Actor, userId: string, input: z.output<typeof enableUserInput>): Promise<{ enabled: true }> {
  authorize(actor, "user.manage");
  return db.$transaction(async (tx) => {
    await beginUserAdministration(tx, actor);
    const user = await findUserForAdministration(tx, userId);
    if (!user) throw new AppError("NOT_FOUND", "No such user.");
    if (!user.disabledAt) throw new AppError("CONFLICT", "This account is not disabled.");
    await setUserDisabledAt(tx, userId, null);
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "user.enable",
      target: { type: "user", id: userId },
      fromState: "DISABLED",
      toState: "ACTIVE",
      reason: input.reason,
      data: { email: user.email },
    });
    return { enabled: true };
  });
}
