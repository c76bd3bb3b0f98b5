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

export type AuditActor = { type: "user"; id: string; name: string } | { type: "host"; id: string; name: string } | { type: "system" } | { type: "anonymous"; name?: string };

/** The audit actor for a signed-in user acting through a use case. */
export function userActor(user: { id: string; name: string }): Extract<AuditActor, { type: "user" }> {
  return { type: "user", id: user.id, name: user.name };
}

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

function storedFields(entry: AuditEntry, at: Date, prevHash: string): StoredAuditFields {
  return {
    at,
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
    prevHash,
  };
}

/** Takes the chain lock and reads the head's hash; fails closed without a head. */
async function lockChainHead(tx: Tx): Promise<string> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;
  const head = await tx.auditChainHead.findUnique({ where: { id: AUDIT_CHAIN_HEAD_ID }, select: { lastHash: true } });
  // Fail closed: without its head the chain cannot be extended truthfully.
  if (!head) throw new Error("the audit chain head is missing; run `npm run audit:verify`");
  return head.lastHash;
}

export async function appendAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  const fields = storedFields(entry, new Date(), await lockChainHead(tx));
  const hash = auditRowHash(fields);
  const created = await tx.auditEvent.create({ data: { ...fields, data: fields.data ?? undefined, hash }, select: { id: true } });
  await tx.auditChainHead.update({ where: { id: AUDIT_CHAIN_HEAD_ID }, data: { lastId: created.id, lastHash: hash } });
}

/**
 * Appends entries in their order as one chain, in one INSERT, and moves the
 * head once onto the last: what appendAudit does per entry, for thousands of
 * entries at once (approving a fleet audits every order it signs). The hashes
 * are computed here, each over the one before; the database's triggers accept
 * an entry linking to the head or to the previous entry of the batch
 * (migration audit_batch_append). The ids must come out in chain order, since
 * the verifier walks the chain by id; a batch that did not is refused.
 */
export async function appendAuditBatch(tx: Tx, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  let prevHash = await lockChainHead(tx);
  const at = new Date();
  const rows = entries.map((entry) => {
    const fields = storedFields(entry, at, prevHash);
    const hash = auditRowHash(fields);
    prevHash = hash;
    return { ...fields, hash };
  });
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
  const inserted = await tx.$queryRaw<{ id: bigint; hash: string }[]>`
    INSERT INTO "AuditEvent" ("at", "actorType", "actorId", "actorName", "action", "targetType", "targetId", "fromState", "toState", "reason", "contentHash", "data", "prevHash", "hash")
    SELECT ${at.toISOString().slice(0, 23)}::timestamp(3), e."actorType", e."actorId", e."actorName", e."action", e."targetType", e."targetId",
           e."fromState", e."toState", e."reason", e."contentHash", e."data"::jsonb, e."prevHash", e."hash"
    FROM unnest(
      ${column((r) => r.actorType)}::text[], ${column((r) => r.actorId)}::text[], ${column((r) => r.actorName)}::text[],
      ${column((r) => r.action)}::text[], ${column((r) => r.targetType)}::text[], ${column((r) => r.targetId)}::text[],
      ${column((r) => r.fromState)}::text[], ${column((r) => r.toState)}::text[], ${column((r) => r.reason)}::text[],
      ${column((r) => r.contentHash)}::text[], ${column((r) => (r.data === null ? null : JSON.stringify(r.data)))}::text[],
      ${column((r) => r.prevHash)}::text[], ${column((r) => r.hash)}::text[]
    ) WITH ORDINALITY AS e("actorType", "actorId", "actorName", "action", "targetType", "targetId", "fromState", "toState", "reason", "contentHash", "data", "prevHash", "hash", "n")
    ORDER BY e."n"
    RETURNING "id", "hash"`;
  const idOf = new Map(inserted.map((row) => [row.hash, row.id]));
  let previousId = -1n;
  for (const row of rows) {
    const id = idOf.get(row.hash);
    if (id === undefined || id <= previousId) throw new Error("an audit batch was not stored in chain order; nothing of it is kept");
    previousId = id;
  }
  await tx.auditChainHead.update({ where: { id: AUDIT_CHAIN_HEAD_ID }, data: { lastId: previousId, lastHash: prevHash } });
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
