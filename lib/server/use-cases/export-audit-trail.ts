import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { streamAuditEvents, type AuditFilter } from "@/lib/server/data/audit-search.ts";

/**
 * The matching entries as JSON lines, oldest first, each with every field its
 * hash covers plus prevHash and hash: an unfiltered export can be checked
 * against the chain with no access to the database. Authorized here, before
 * the first line, not when the stream is first read (by then a response has
 * started).
 */
export function exportAuditTrail(db: Db, actor: Actor, filter: AuditFilter): AsyncIterable<string> {
  authorize(actor, "audit.read");
  return jsonLines(db, filter);
}

async function* jsonLines(db: Db, filter: AuditFilter): AsyncGenerator<string> {
  for await (const record of streamAuditEvents(db, filter)) {
    yield JSON.stringify({ ...record, at: record.at.toISOString() }) + "\n";
  }
}
