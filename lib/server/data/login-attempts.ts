import "server-only";
import type { Db } from "@/lib/server/db/client.ts";

// Sign-in attempts with a password, per typed email and per client address,
// in PostgreSQL so that every server process counts the same attempts.

export type AttemptKey = { email: string } | { address: string };

/** Records an attempt before its password is checked; returns its id. */
export async function insertLoginAttempt(db: Db, attempt: { email: string; address: string; at: Date }): Promise<bigint> {
  const row = await db.loginAttempt.create({ data: attempt, select: { id: true } });
  return row.id;
}

/**
 * When the most recent attempts for a key happened, newest first, at most
 * `limit` of them, within the window; the attempt being decided is left out.
 */
export async function recentLoginAttempts(db: Db, key: AttemptKey, options: { since: Date; limit: number; excludeId: bigint }): Promise<Date[]> {
  const rows = await db.loginAttempt.findMany({
    where: { ...key, at: { gt: options.since }, id: { not: options.excludeId } },
    orderBy: { at: "desc" },
    take: options.limit,
    select: { at: true },
  });
  return rows.map((row) => row.at);
}

export async function deleteLoginAttempt(db: Db, id: bigint): Promise<void> {
  await db.loginAttempt.deleteMany({ where: { id } });
}

/** A successful sign-in forgives the account's earlier failures (not the address's: one good password must not launder guesses at others). */
export async function clearAccountLoginAttempts(db: Db, email: string): Promise<void> {
  await db.loginAttempt.deleteMany({ where: { email } });
}

export async function pruneLoginAttempts(db: Db, before: Date): Promise<void> {
  await db.loginAttempt.deleteMany({ where: { at: { lt: before } } });
}
