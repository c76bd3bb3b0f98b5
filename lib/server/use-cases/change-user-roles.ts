import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findUserForAdministration, setUserRoles } from "@/lib/server/data/users.ts";
import { AppError } from "@/lib/server/errors.ts";
import { APPROVING_ROLES, beginUserAdministration, describeRoles, optionalReason, rolesInput } from "./user-administration.ts";

export const changeUserRolesInput = z.object({ roles: rolesInput, reason: optionalReason });

/**
 * Replaces a user's roles. Roles are read from the database on every request,
 * so the change applies to the user's next request, open sessions included.
 * An admin cannot drop their own admin role: the workbench keeps an admin.
 * Nor can an admin give their own account a role that approves (reviewer,
 * security reviewer): otherwise one person with an admin account and an
 * engineer account they made could write a program and approve it. Another
 * admin grants it, and the audit entry names both: the admin as its actor,
 * the user as its target, with their email and name.
 */
export async function changeUserRoles(db: Db, actor: Actor, userId: string, input: z.output<typeof changeUserRolesInput>): Promise<{ roles: Role[]; changed: boolean }> {
  authorize(actor, "user.manage");
  if (userId === actor.id && !input.roles.includes("ADMIN")) {
    throw new AppError("UNPROCESSABLE", "You cannot remove your own admin role; another admin has to.");
  }
  return db.$transaction(async (tx) => {
    await beginUserAdministration(tx, actor);
    const user = await findUserForAdministration(tx, userId);
    if (!user) throw new AppError("NOT_FOUND", "No such user.");
    const selfGranted = APPROVING_ROLES.filter((role) => userId === actor.id && input.roles.includes(role) && !user.roles.includes(role));
    if (selfGranted.length > 0) {
      throw new AppError(
        "UNPROCESSABLE",
        `You cannot give yourself the ${selfGranted.map((role) => role.toLowerCase().replace("_", " ")).join(" and ")} role: a role that approves programs has to come from another admin.`,
      );
    }
    const before = describeRoles(user.roles);
    const after = describeRoles(input.roles);
    if (before === after) return { roles: input.roles, changed: false };
    await setUserRoles(tx, userId, input.roles);
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "user.roles-change",
      target: { type: "user", id: userId },
      fromState: before,
      toState: after,
      reason: input.reason,
      data: { email: user.email, name: user.name },
    });
    // Live sockets that no longer have run.read are cut, on every server process.
    await notifyAfterCommit(tx, { type: "user.access-changed", userId });
    return { roles: input.roles, changed: true };
  });
}
