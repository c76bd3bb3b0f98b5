import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findSigningKey, lockKeyring, transitionSigningKey } from "@/lib/server/data/signing-keys.ts";
import { AppError } from "@/lib/server/errors.ts";
import { loadKeyring, type KeyringDeps } from "@/lib/server/signing/keyring.ts";
import { issueTrustStatement } from "./issue-trust-statement.ts";

/**
 * Retires a key that no longer signs: agents then refuse everything it
 * signed, queued orders included, and never trust it again. The statement
 * saying so is signed by the active key. Audited; announced at commit.
 */
export async function retireSigningKey(db: Db, actor: Actor, keyId: string, deps: KeyringDeps, now = new Date()): Promise<{ statementSeq: number }> {
  authorize(actor, "signing-key.rotate");
  const active = await loadKeyring(db, deps);
  return db.$transaction(async (tx) => {
    await lockKeyring(tx);
    const key = await findSigningKey(tx, keyId);
    if (!key) throw new AppError("NOT_FOUND", "No such signing key.");
    if (key.status === "ACTIVE") throw new AppError("CONFLICT", "This key signs now; rotate to a new key before retiring it.");
    if (key.status === "RETIRED") throw new AppError("CONFLICT", "This key is already retired.");
    if (!(await transitionSigningKey(tx, keyId, "VERIFY_ONLY", "RETIRED", now))) throw new AppError("CONFLICT", "The key changed meanwhile; reload.");
    const statementSeq = await issueTrustStatement(tx, [active], now);
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "signing-key.retire",
      target: { type: "signing-key", id: keyId },
      fromState: "VERIFY_ONLY",
      toState: "RETIRED",
      data: { statementSeq, activeKeyId: active.keyId },
    });
    await notifyAfterCommit(tx, { type: "trust.rotated", seq: statementSeq });
    return { statementSeq };
  });
}
