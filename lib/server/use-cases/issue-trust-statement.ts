import "server-only";
import { createPublicKey } from "node:crypto";
import type { SigningKey } from "@/lib/protocol/dsse.ts";
import { publicKeyEntry, signTrustStatement } from "@/lib/protocol/trust-statement.ts";
import type { Tx } from "@/lib/server/db/client.ts";
import { insertTrustStatement, lastTrustStatementSeq, readTrustSet } from "@/lib/server/data/signing-keys.ts";

/**
 * Writes the next key rotation statement: every key agents should trust now
 * and every retired key, signed by `signers`. Called inside the transaction
 * that changed the keyring (under its lock), so statements follow the changes
 * one for one and in order.
 */
export async function issueTrustStatement(tx: Tx, signers: SigningKey[], now: Date): Promise<number> {
  const { trusted, retired } = await readTrustSet(tx);
  const seq = (await lastTrustStatementSeq(tx)) + 1;
  const envelope = signTrustStatement(
    {
      v: 1,
      seq,
      issuedAt: now.toISOString(),
      keys: trusted.map((key) => publicKeyEntry(createPublicKey(key.publicKeyPem))),
      retiredKeyIds: retired,
    },
    signers,
  );
  await insertTrustStatement(tx, seq, envelope);
  return seq;
}
