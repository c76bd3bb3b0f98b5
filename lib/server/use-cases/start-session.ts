import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { createSession } from "@/lib/server/data/users.ts";

/**
 * The session row every sign-in ends in, whatever the provider. Its id is all
 * the session cookie carries; each request checks the row, so ending it (sign
 * out, an admin disabling the account) ends the session at once. The row's
 * expiry is fixed here: next-auth may refresh the cookie, the row does not move.
 */
export async function startSession(
  db: Db,
  signIn: { userId: string; userName: string; provider: string; address: string | null },
  options: { maxAgeSec: number; now: Date },
): Promise<string> {
  return db.$transaction(async (tx) => {
    const expiresAt = new Date(options.now.getTime() + options.maxAgeSec * 1000);
    const sessionId = await createSession(tx, signIn.userId, expiresAt);
    await appendAudit(tx, {
      actor: { type: "user", id: signIn.userId, name: signIn.userName },
      action: "auth.login",
      target: { type: "user", id: signIn.userId },
      data: { provider: signIn.provider, address: signIn.address ?? "unknown", expiresAt: expiresAt.toISOString() },
    });
    return sessionId;
  });
}
