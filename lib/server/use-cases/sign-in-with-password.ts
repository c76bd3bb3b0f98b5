import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { decoyHash, verifyPassword } from "@/lib/server/auth/password.ts";
import { appendAudit, type AuditEntry } from "@/lib/server/data/audit.ts";
import { findUserForSignIn } from "@/lib/server/data/users.ts";
import { clearAccountLoginAttempts, deleteLoginAttempt, insertLoginAttempt, pruneLoginAttempts, recentLoginAttempts } from "@/lib/server/data/login-attempts.ts";
import { logWarn } from "@/lib/server/log.ts";

export const passwordSignInInput = z.object({
  email: z.string().trim().toLowerCase().email().max(320),
  password: z.string().min(1).max(1024),
});

export type LoginThrottle = { maxFailuresPerAccount: number; maxFailuresPerAddress: number; windowSec: number };

export type PasswordSignInResult =
  | { outcome: "signed-in"; user: { id: string; name: string; email: string } }
  /** Wrong password, unknown email, disabled account: one answer for all, so it reveals nothing. */
  | { outcome: "refused" }
  | { outcome: "throttled"; retryAt: Date };

/** The moment the count of attempts in `newestFirst` drops below `max`, or null when it already is. */
function lockedUntil(newestFirst: Date[], max: number, windowMs: number): Date | null {
  const oldestThatCounts = newestFirst[max - 1];
  return oldestThatCounts ? new Date(oldestThatCounts.getTime() + windowMs) : null;
}

const later = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b));

/**
 * A sign-in with email and password, throttled per email typed and per
 * client address: at most N failures in any window of W seconds, and one
 * more is refused, right password or not, until the oldest of them leaves
 * the window. Attempts are counted per email typed whether or not an account
 * has it, so a lockout says nothing about which accounts exist. Refused
 * attempts during a lockout are not counted (a lockout that renewed itself
 * would let anyone keep an account locked forever) and not audited one by
 * one (an anonymous caller must not be able to grow the audit trail at will);
 * the failures that led to it and the lockout itself are.
 *
 * The attempt is recorded before the password is checked and the counts are
 * read after, so concurrent guesses (from several server processes too) see
 * each other: a burst cannot slip more than N checks past the limit.
 */
export async function signInWithPassword(
  db: Db,
  input: { email: string; password: string; address: string | null },
  deps: { throttle: LoginThrottle; now: () => Date },
): Promise<PasswordSignInResult> {
  const { email, password, address } = input;
  const { maxFailuresPerAccount, maxFailuresPerAddress, windowSec } = deps.throttle;
  const now = deps.now();
  const windowMs = windowSec * 1000;
  const since = new Date(now.getTime() - windowMs);
  if (!address) logWarn("sign-in without a client address: not throttled per address (is the server started through server.ts?)");

  await pruneLoginAttempts(db, since);
  const attemptId = await insertLoginAttempt(db, { email, address: address ?? "unknown", at: now });
  const [byAccount, byAddress] = await Promise.all([
    recentLoginAttempts(db, { email }, { since, limit: maxFailuresPerAccount, excludeId: attemptId }),
    address ? recentLoginAttempts(db, { address }, { since, limit: maxFailuresPerAddress, excludeId: attemptId }) : Promise.resolve([]),
  ]);
  const locked = later(lockedUntil(byAccount, maxFailuresPerAccount, windowMs), lockedUntil(byAddress, maxFailuresPerAddress, windowMs));
  if (locked) {
    await deleteLoginAttempt(db, attemptId);
    return { outcome: "throttled", retryAt: locked };
  }

  const user = await findUserForSignIn(db, email);
  // Hash something either way, so the response time does not tell whether the account exists.
  const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  if (user && user.passwordHash && !user.disabled && valid) {
    await clearAccountLoginAttempts(db, email);
    return { outcome: "signed-in", user: { id: user.id, name: user.name, email: user.email } };
  }

  const who = { type: "anonymous" as const, name: email };
  const target = { type: "user", id: user?.id ?? email };
  const entries: AuditEntry[] = [
    {
      actor: who,
      action: "auth.login-failed",
      target,
      reason: !user ? "no account has this email" : user.disabled ? "the account is disabled" : !user.passwordHash ? "the account has no password" : "wrong password",
      data: { provider: "credentials", address: address ?? "unknown" },
    },
  ];
  // This failure included, did the account or the address just reach its limit?
  const accountLock = lockedUntil([now, ...byAccount], maxFailuresPerAccount, windowMs);
  const addressLock = address ? lockedUntil([now, ...byAddress], maxFailuresPerAddress, windowMs) : null;
  const lockEntry = (scope: "account" | "address", max: number, until: Date): AuditEntry => ({
    actor: who,
    action: "auth.login-locked",
    target: scope === "account" ? target : { type: "address", id: address! },
    toState: "LOCKED",
    reason: `${max} failed sign-ins ${scope === "account" ? "for this email" : "from this address"} within ${Math.round(windowSec / 60)} minutes`,
    data: { scope, address: address ?? "unknown", until: until.toISOString() },
  });
  if (accountLock && byAccount.length + 1 === maxFailuresPerAccount) entries.push(lockEntry("account", maxFailuresPerAccount, accountLock));
  if (addressLock && byAddress.length + 1 === maxFailuresPerAddress) entries.push(lockEntry("address", maxFailuresPerAddress, addressLock));
  await db.$transaction(async (tx) => {
    for (const entry of entries) await appendAudit(tx, entry);
  });
  const retryAt = later(accountLock, addressLock);
  return retryAt ? { outcome: "throttled", retryAt } : { outcome: "refused" };
}
