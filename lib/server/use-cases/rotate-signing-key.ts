import "server-only";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import type { Db } from "@/lib/server/db/client.ts";
import { keyIdOf } from "@/lib/protocol/dsse.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findActiveSigningKeyRow, insertSigningKey, lockKeyring, transitionSigningKey } from "@/lib/server/data/signing-keys.ts";
import { AppError } from "@/lib/server/errors.ts";
import { encryptPrivateKey, loadKeyring, setCachedActiveKey, type KeyringDeps } from "@/lib/server/signing/keyring.ts";
import type { LoadedSigningKey } from "@/lib/server/signing/signing-key.ts";
import { issueTrustStatement } from "./issue-trust-statement.ts";

export type RotateSigningKeyResult = { keyId: string; previousKeyId: string; statementSeq: number };

/**
 * Creates a signing key and makes it the one that signs from now on. The
 * previous key stays trusted for verifying (orders it signed stay valid)
 * until an admin retires it. Agents learn of the new key from a statement
 * signed by the previous key and by the new one; they never take a key the
 * server merely names. Audited; announced to connected agents at commit.
 */
export async function rotateSigningKey(db: Db, actor: Actor, deps: KeyringDeps, now = new Date()): Promise<RotateSigningKeyResult> {
  authorize(actor, "signing-key.rotate");
  if (!deps.secret) {
    throw new AppError("UNPROCESSABLE", "Set WORKBENCH_KEYRING_SECRET on the server first: it encrypts the new private key in the database.");
  }
  const current = await loadKeyring(db, deps);
  const { privateKey } = generateKeyPairSync("ed25519");
  const next: LoadedSigningKey = {
    keyId: keyIdOf(privateKey),
    privateKey,
    publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
  };
  const statementSeq = await db.$transaction(async (tx) => {
    await lockKeyring(tx);
    const active = await findActiveSigningKeyRow(tx);
    if (active?.id !== current.keyId) throw new AppError("CONFLICT", "The active signing key changed meanwhile; reload and try again.");
    await insertSigningKey(tx, {
      id: next.keyId,
      publicKeyPem: next.publicKeyPem,
      encryptedPrivateKey: encryptPrivateKey(next.privateKey, next.keyId, deps.secret!),
      status: "ACTIVE",
      activatedAt: now,
      createdByName: actor.name,
    });
    await transitionSigningKey(tx, current.keyId, "ACTIVE", "VERIFY_ONLY", now);
    // Signed by the key agents trust now, and by the new key as proof that the server holds it.
    const seq = await issueTrustStatement(tx, [current, next], now);
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "signing-key.rotate",
      target: { type: "signing-key", id: next.keyId },
      fromState: null,
      toState: "ACTIVE",
      data: { previousKeyId: current.keyId, statementSeq: seq },
    });
    await notifyAfterCommit(tx, { type: "trust.rotated", seq });
    return seq;
  });
  setCachedActiveKey(next);
  return { keyId: next.keyId, previousKeyId: current.keyId, statementSeq };
}
