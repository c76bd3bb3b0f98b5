import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { SigningKeyStatus } from "@/lib/server/db/generated/enums.ts";
import type { Envelope } from "@/lib/protocol/dsse.ts";

// The server's signing keys and the key rotation statements announcing them.
// Callers never get a private key from here unless they ask for the active
// one by name (findActiveSigningKeyRow), and then only in its encrypted form.

const KEYRING_LOCK = 0x6b657973; // "keys": one rotation or retirement at a time

export type SigningKeySummary = {
  id: string;
  status: SigningKeyStatus;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  createdByName: string | null;
  /** Whether the server holds the private key in the database (false: the configured key file). */
  storedPrivateKey: boolean;
};

export async function lockKeyring(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEYRING_LOCK})`;
}

export async function listSigningKeys(db: Db | Tx): Promise<SigningKeySummary[]> {
  const rows = await db.signingKey.findMany({
    orderBy: { createdAt: "desc" },
    select: { id: true, status: true, createdAt: true, activatedAt: true, retiredAt: true, createdByName: true, encryptedPrivateKey: true },
  });
  return rows.map(({ encryptedPrivateKey, ...row }) => ({ ...row, storedPrivateKey: encryptedPrivateKey !== null }));
}

export async function countSigningKeys(db: Db | Tx): Promise<number> {
  return db.signingKey.count();
}

export type ActiveKeyRow = { id: string; publicKeyPem: string; encryptedPrivateKey: string | null };

export async function findActiveSigningKeyRow(db: Db | Tx): Promise<ActiveKeyRow | null> {
  return db.signingKey.findFirst({ where: { status: "ACTIVE" }, select: { id: true, publicKeyPem: true, encryptedPrivateKey: true } });
}

export async function findSigningKey(db: Db | Tx, id: string): Promise<{ id: string; status: SigningKeyStatus } | null> {
  return db.signingKey.findUnique({ where: { id }, select: { id: true, status: true } });
}

export async function insertSigningKey(
  tx: Tx,
  key: { id: string; publicKeyPem: string; encryptedPrivateKey: string | null; status: SigningKeyStatus; activatedAt: Date | null; createdByName: string | null },
): Promise<void> {
  await tx.signingKey.create({ data: key, select: { id: true } });
}

/** Moves a key from one status to another only if it still has the expected one. */
export async function transitionSigningKey(tx: Tx, id: string, from: SigningKeyStatus, to: SigningKeyStatus, at: Date): Promise<boolean> {
  const { count } = await tx.signingKey.updateMany({
    where: { id, status: from },
    data: { status: to, ...(to === "RETIRED" ? { retiredAt: at } : {}), ...(to === "ACTIVE" ? { activatedAt: at } : {}) },
  });
  return count === 1;
}

/** Keys agents should trust (active and verify-only) with their public keys, and the ids of retired ones. */
export async function readTrustSet(tx: Db | Tx): Promise<{ trusted: { id: string; publicKeyPem: string }[]; retired: string[] }> {
  const rows = await tx.signingKey.findMany({ orderBy: { createdAt: "asc" }, select: { id: true, publicKeyPem: true, status: true } });
  return {
    trusted: rows.filter((row) => row.status !== "RETIRED").map(({ id, publicKeyPem }) => ({ id, publicKeyPem })),
    retired: rows.filter((row) => row.status === "RETIRED").map((row) => row.id),
  };
}

export async function lastTrustStatementSeq(tx: Db | Tx): Promise<number> {
  const last = await tx.trustStatement.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
  return last?.seq ?? 0;
}

export async function insertTrustStatement(tx: Tx, seq: number, envelope: Envelope): Promise<void> {
  await tx.trustStatement.create({ data: { seq, envelope }, select: { seq: true } });
}

/** Statements after `afterSeq`, oldest first; an agent applies them in this order. */
export async function listTrustStatementsAfter(db: Db, afterSeq: number, limit = 100): Promise<{ seq: number; envelope: Envelope }[]> {
  const rows = await db.trustStatement.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: "asc" }, take: limit, select: { seq: true, envelope: true } });
  return rows.map((row) => ({ seq: row.seq, envelope: row.envelope as Envelope }));
}
