import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { endSession } from "@/lib/server/data/users.ts";

/** Ends the session server-side (the cookie alone no longer works) and records it; signing out twice records it once. */
export async function signOut(db: Db, sessionId: string, now = new Date()): Promise<void> {
  await db.$transaction(async (tx) => {
    const ended = await endSession(tx, sessionId, now);
    if (!ended) return;
    await appendAudit(tx, {
      actor: { type: "user", id: ended.userId, name: ended.userName },
      action: "auth.logout",
      target: { type: "user", id: ended.userId },
      toState: "SIGNED_OUT",
    });
    // Every server process cuts this session's live sockets (lib/server/realtime/live-namespace.ts).
    await notifyAfterCommit(tx, { type: "user.access-changed", userId: ended.userId });
  });
}
