import "server-only";
import { z } from "zod";
import type { Tx } from "@/lib/server/db/client.ts";
import { Role } from "@/lib/server/db/generated/enums.ts";
import { PERMISSIONS, type Actor } from "@/lib/server/auth/permissions.ts";
import { findUserForAdministration, lockUserAdministration } from "@/lib/server/data/users.ts";
import { AppError } from "@/lib/server/errors.ts";

// What the user-administration use cases (create, change roles, disable,
// enable) share: the roles input, how roles read in the audit trail, and the
// guard each runs first inside its transaction.

export const ALL_ROLES = Object.values(Role);

/**
 * Roles that let a user approve (reviewer, security reviewer): read from the permission table, so a
 * role given `revision.review` later is one of them at once. An admin cannot give one to their own
 * account (change-user-roles.ts); another admin has to.
 */
export const APPROVING_ROLES: readonly Role[] = PERMISSIONS["revision.review"];

export const rolesInput = z
  .array(z.enum(ALL_ROLES, { error: `A role is one of: ${ALL_ROLES.map((r) => r.toLowerCase()).join(", ")}.` }))
  .min(1, "Pick at least one role; to shut someone out, disable the account.")
  .transform((roles) => ALL_ROLES.filter((role) => roles.includes(role)));

export const optionalReason = z
  .string()
  .trim()
  .max(500, "Keep the reason under 500 characters.")
  .optional()
  .transform((reason) => reason || null);

/** Roles as the audit trail shows them: in a fixed order, so before and after compare at a glance. */
export const describeRoles = (roles: readonly Role[]) => ALL_ROLES.filter((role) => roles.includes(role)).join(",") || "none";

/**
 * Takes the user-administration lock, then checks again, from the database,
 * that the acting admin still is one: of two admins demoting each other at
 * the same moment, the second is refused, so an admin always remains.
 */
export async function beginUserAdministration(tx: Tx, actor: Actor): Promise<void> {
  await lockUserAdministration(tx);
  const current = await findUserForAdministration(tx, actor.id);
  if (!current || current.disabledAt || !current.roles.includes("ADMIN")) {
    throw new AppError("FORBIDDEN", "You are no longer an admin.");
  }
}
