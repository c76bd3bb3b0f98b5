import "server-only";
import { createHash } from "node:crypto";
import { canonicalJson, type CanonicalValue } from "@/lib/shared/canonical-json.ts";
import type { Tx, Db } from "@/lib/server/db/client.ts";

// The audit trail is a hash chain: each row's hash covers its own content and
// the previous row's hash. Appends take a transaction-scoped advisory lock so
// two transactions never chain onto the same predecessor; the lock is released
// at commit or rollback, so a rolled-back change leaves no audit row either.
// Each append links to the chain head (AuditChainHead) and moves it forward in
// the same transaction, so deleting the newest entries leaves the head naming
// an entry that is gone (see audit-verification.ts). Database triggers refuse
// UPDATE and DELETE of entries (migration audit_append_only).
const AUDIT_CHAIN_LOCK = 0x61756469; // "audi"
export const AUDIT_GENESIS_HASH = "0".repeat(64);
export const AUDIT_CHAIN_HEAD_ID = 1;

export type AuditActor =
  | { type: "user"; id: string; name: string }
  | { type: "host"; id: string; name: string }
  | { type: "system" }
  | { type: "anonymous"; name?: string };

export type AuditEntry = {
  actor: AuditActor;
  action: string;
  target: { type: string; id: string };
  fromState?: string | null;
  toState?: string | null;
  reason?: string | null;
  contentHash?: string | null;
  data?: Record<string, CanonicalValue> | null;
};

export type StoredAuditFields = {
  at: Date;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  fromState: string | null;
  toState: string | null;
  reason: string | null;
  contentHash: string | null;
  data: Record<string, CanonicalValue> | null;
  prevHash: string;
};

/** Every column of an audit row: what its hash covers, plus its id and hash. */
export const AUDIT_ROW_SELECT = {
  id: true,
  at: true,
  actorType: true,
  actorId: true,
  actorName: true,
  action: true,
  targetType: true,
  targetId: true,
  fromState: true,
  toState: true,
  reason: true,
  contentHash: true,
  data: true,
  prevHash: true,
  hash: true,
} as const;

/** The hash of one row; used when appending and when verifying the chain. */
export function auditRowHash(row: StoredAuditFields): string {
  const body = canonicalJson({
    at: row.at.toISOString(),
    actorType: row.actorType,
    actorId: row.actorId,
    actorName: row.actorName,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    fromState: row.fromState,
    toState: row.toState,
    reason: row.reason,
    contentHash: row.contentHash,
    data: row.data,
    prevHash: row.prevHash,
  });
  return createHash("sha256").update(body).digest("hex");
}

export async function appendAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;
  const head = await tx.auditChainHead.findUnique({ where: { id: AUDIT_CHAIN_HEAD_ID }, select: { lastHash: true } });
  // Fail closed: without its head the chain cannot be extended truthfully.
  if (!head) throw new Error("the audit chain head is missing; run `npm run audit:verify`");
  const fields: StoredAuditFields = {
    at: new Date(),
    actorType: entry.actor.type,
    actorId: "id" in entry.actor ? entry.actor.id : null,
    actorName: "name" in entry.actor ? (entry.actor.name ?? null) : null,
    action: entry.action,
    targetType: entry.target.type,
    targetId: entry.target.id,
    fromState: entry.fromState ?? null,
    toState: entry.toState ?? null,
    reason: entry.reason ?? null,
    contentHash: entry.contentHash ?? null,
    data: entry.data ?? null,
    prevHash: head.lastHash,
  };
  const hash = auditRowHash(fields);
  const created = await tx.auditEvent.create({ data: { ...fields, data: fields.data ?? undefined, hash }, select: { id: true } });
  await tx.auditChainHead.update({ where: { id: AUDIT_CHAIN_HEAD_ID }, data: { lastId: created.id, lastHash: hash } });
}

export type AuditEventView = Omit<StoredAuditFields, "actorId" | "data" | "prevHash"> & { id: string };

export async function listAuditForTarget(db: Db, targetType: string, targetIds: string[]): Promise<AuditEventView[]> {
  const rows = await db.auditEvent.findMany({
    where: { targetType, targetId: { in: targetIds } },
    orderBy: { id: "asc" },
    select: {
      id: true,
      at: true,
      actorType: true,
      actorName: true,
      action: true,
      targetType: true,
      targetId: true,
      fromState: true,
      toState: true,
      reason: true,
      contentHash: true,
    },
  });
  return rows.map((row) => ({ ...row, id: row.id.toString() }));
}
