import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
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

export async function createSession(db: Db | Tx, userId: string, expiresAt: Date): Promise<string> {
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

export async function upsertUser(db: Db, user: { email: string; name: string; passwordHash: string; roles: Role[] }): Promise<{ id: string; created: boolean }> {
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

/** Ends one session; returns whose it was, or null when it had already ended (or never existed). */
export async function endSession(tx: Tx, sessionId: string, now: Date): Promise<{ userId: string; userName: string } | null> {
  const { count } = await tx.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: now } });
  if (count === 0) return null;
  const session = await tx.session.findUniqueOrThrow({ where: { id: sessionId }, select: { user: { select: { id: true, name: true } } } });
  return { userId: session.user.id, userName: session.user.name };
}

/** Ends every open session of a user (a disabled account signs out everywhere at once); returns how many. */
export async function endUserSessions(tx: Tx, userId: string, now: Date): Promise<number> {
  const { count } = await tx.session.updateMany({ where: { userId, revokedAt: null, expiresAt: { gt: now } }, data: { revokedAt: now } });
  return count;
}

// Administration of users and their roles.

export type UserAccount = {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  disabledAt: Date | null;
  createdAt: Date;
  lastSignInAt: Date | null;
};

export async function listUserAccounts(db: Db): Promise<UserAccount[]> {
  const users = await db.user.findMany({
    orderBy: [{ disabledAt: { sort: "desc", nulls: "first" } }, { email: "asc" }],
    select: {
      id: true,
      email: true,
      name: true,
      roles: true,
      disabledAt: true,
      createdAt: true,
      sessions: { orderBy: { createdAt: "desc" }, take: 1, select: { createdAt: true } },
    },
  });
  return users.map(({ sessions, ...user }) => ({ ...user, lastSignInAt: sessions[0]?.createdAt ?? null }));
}

export type UserForAdministration = { id: string; email: string; name: string; roles: Role[]; disabledAt: Date | null };

export async function findUserForAdministration(tx: Tx, userId: string): Promise<UserForAdministration | null> {
  return tx.user.findUnique({ where: { id: userId }, select: { id: true, email: true, name: true, roles: true, disabledAt: true } });
}

/**
 * Serializes changes to roles and accounts (a transaction-scoped advisory
 * lock), so two admins demoting each other at the same moment cannot leave
 * the workbench without an admin: the second sees the first's change.
 */
export async function lockUserAdministration(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${USER_ADMINISTRATION_LOCK})`;
}
const USER_ADMINISTRATION_LOCK = 0x75736572; // "user"

/** Inserts a new account; a duplicate email surfaces as Prisma's unique violation (see db/errors.ts). */
export async function insertUser(tx: Tx, user: { email: string; name: string; roles: Role[]; passwordHash: string }): Promise<{ id: string }> {
  return tx.user.create({ data: { ...user, email: user.email.toLowerCase() }, select: { id: true } });
}

export async function setUserRoles(tx: Tx, userId: string, roles: Role[]): Promise<void> {
  await tx.user.update({ where: { id: userId }, data: { roles }, select: { id: true } });
}

export async function setUserDisabledAt(tx: Tx, userId: string, disabledAt: Date | null): Promise<void> {
  await tx.user.update({ where: { id: userId }, data: { disabledAt }, select: { id: true } });
}
