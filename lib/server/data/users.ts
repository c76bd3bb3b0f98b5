import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import type { Actor } from "@/lib/server/auth/permissions.ts";

export type SignInCandidate = {
  id: string;
  name: string;
  email: string;
  passwordHash: string | null;
  disabled: boolean;
};

export async function findUserForSignIn(db: Db, email: string): Promise<SignInCandidate | null> {
  const user = await db.user.findUnique({
    where: { email: email.toLowerCase() },
    select: { id: true, name: true, email: true, passwordHash: true, disabledAt: true },
  });
  return user && { id: user.id, name: user.name, email: user.email, passwordHash: user.passwordHash, disabled: !!user.disabledAt };
}

export async function createSession(db: Db, userId: string, expiresAt: Date): Promise<string> {
  const session = await db.session.create({ data: { userId, expiresAt }, select: { id: true } });
  return session.id;
}

/** The signed-in user behind a session id, or null when the session ended, expired or the user is disabled. */
export async function loadSessionActor(db: Db, sessionId: string, now = new Date()): Promise<Actor | null> {
  const session = await db.session.findUnique({
    where: { id: sessionId },
    select: {
      expiresAt: true,
      revokedAt: true,
      user: { select: { id: true, name: true, email: true, roles: true, disabledAt: true } },
    },
  });
  if (!session || session.revokedAt || session.expiresAt <= now || session.user.disabledAt) return null;
  const { id, name, email, roles } = session.user;
  return { id, name, email, roles };
}

export async function revokeSession(db: Db, sessionId: string): Promise<void> {
  await db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

export async function upsertUser(
  db: Db,
  user: { email: string; name: string; passwordHash: string; roles: Role[] },
): Promise<{ id: string; created: boolean }> {
  const existing = await db.user.findUnique({ where: { email: user.email.toLowerCase() }, select: { id: true } });
  if (existing) {
    await db.user.update({ where: { id: existing.id }, data: { name: user.name, roles: user.roles, passwordHash: user.passwordHash } });
    return { id: existing.id, created: false };
  }
  const created = await db.user.create({ data: { ...user, email: user.email.toLowerCase() }, select: { id: true } });
  return { id: created.id, created: true };
}

export async function findActorByEmail(db: Db, email: string): Promise<Actor | null> {
  return db.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true, name: true, email: true, roles: true } });
}
