import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import type { Prisma } from "@/lib/server/db/generated/client.ts";
import { AUDIT_ROW_SELECT, type StoredAuditFields } from "./audit.ts";

// Reading the audit trail for people: filtered pages, newest first, and the
// whole filtered trail in chain order for export.

export type AuditFilter = {
  /** A user id, or part of the actor's name (or, for failed sign-ins, the email typed). */
  actor?: string;
  /** The start of an action name: `auth.` matches every sign-in event. */
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
};

/** One entry with everything its hash covers, so an export can be verified on its own. */
export type AuditRecord = Omit<StoredAuditFields, "data"> & { id: string; data: unknown; hash: string };

function whereOf(filter: AuditFilter): Prisma.AuditEventWhereInput {
  return {
    ...(filter.actor ? { OR: [{ actorId: filter.actor }, { actorName: { contains: filter.actor, mode: "insensitive" as const } }] } : {}),
    ...(filter.action ? { action: { startsWith: filter.action } } : {}),
    ...(filter.targetType ? { targetType: filter.targetType } : {}),
    ...(filter.targetId ? { targetId: filter.targetId } : {}),
    ...(filter.from || filter.to ? { at: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) } } : {}),
  };
}

const toRecord = (row: Omit<AuditRecord, "id"> & { id: bigint }): AuditRecord => ({ ...row, id: row.id.toString() });

/** A page of matching entries, newest first; `nextBefore` continues with older ones. */
export async function findAuditEvents(db: Db, filter: AuditFilter, page: { beforeId?: bigint; limit: number }): Promise<{ events: AuditRecord[]; nextBefore: string | null }> {
  const where = whereOf(filter);
  const rows = await db.auditEvent.findMany({
    where: page.beforeId === undefined ? where : { AND: [where, { id: { lt: page.beforeId } }] },
    orderBy: { id: "desc" },
    take: page.limit + 1,
    select: AUDIT_ROW_SELECT,
  });
  const events = rows.slice(0, page.limit).map(toRecord);
  return { events, nextBefore: rows.length > page.limit ? events.at(-1)!.id : null };
}

/** Every matching entry, oldest first, fetched in batches so memory stays flat however long the trail. */
export async function* streamAuditEvents(db: Db, filter: AuditFilter, batchSize = 1000): AsyncGenerator<AuditRecord> {
  const where = whereOf(filter);
  let afterId: bigint | undefined;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: afterId === undefined ? where : { AND: [where, { id: { gt: afterId } }] },
      orderBy: { id: "asc" },
      take: batchSize,
      select: AUDIT_ROW_SELECT,
    });
    for (const row of rows) yield toRecord(row);
    if (rows.length < batchSize) return;
    afterId = rows.at(-1)!.id;
  }
}
