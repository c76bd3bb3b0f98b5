import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { hashPassword } from "@/lib/server/auth/password.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { insertUser } from "@/lib/server/data/users.ts";
import { isUniqueViolation } from "@/lib/server/db/errors.ts";
import { AppError } from "@/lib/server/errors.ts";
import { beginUserAdministration, describeRoles, optionalReason, rolesInput } from "./user-administration.ts";

export const MIN_PASSWORD_LENGTH = 12;

export const createUserAccountInput = z.object({
  email: z.string({ error: "An email address is needed." }).trim().toLowerCase().email("That is not an email address.").max(320),
  name: z.string({ error: "A name is needed." }).trim().min(1, "A name is needed.").max(100, "Keep the name under 100 characters."),
  roles: rolesInput,
  /** Left out: the server makes one up and shows it once. */
  password: z.string().min(MIN_PASSWORD_LENGTH, `A password has at least ${MIN_PASSWORD_LENGTH} characters.`).max(1024, "A password has at most 1024 characters.").optional(),
  reason: optionalReason,
});

export type CreateUserAccountInput = z.input<typeof createUserAccountInput>;

/**
 * A new account with a password (the admin's, or a random one returned once,
 * to hand over in person; only its scrypt hash is kept). Audited with the
 * roles it starts with. Single sign-on users get an account the same way:
 * their provider's verified email must match it.
 */
export async function createUserAccount(
  db: Db,
  actor: Actor,
  input: z.output<typeof createUserAccountInput>,
): Promise<{ id: string; email: string; initialPassword: string | null }> {
  authorize(actor, "user.manage");
  const initialPassword = input.password ? null : randomBytes(18).toString("base64url");
  const passwordHash = await hashPassword(input.password ?? initialPassword!);
  try {
    return await db.$transaction(async (tx) => {
      await beginUserAdministration(tx, actor);
      const { id } = await insertUser(tx, { email: input.email, name: input.name, roles: input.roles, passwordHash });
      await appendAudit(tx, {
        actor: userActor(actor),
        action: "user.create",
        target: { type: "user", id },
        toState: describeRoles(input.roles),
        reason: input.reason,
        data: { email: input.email, name: input.name, passwordSetBy: input.password ? "admin" : "generated" },
      });
      return { id, email: input.email, initialPassword };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "A user with this email already exists.");
    throw error;
  }
}
