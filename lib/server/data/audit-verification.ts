import "server-only";
import type { CanonicalValue } from "@/lib/shared/canonical-json.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { AUDIT_CHAIN_HEAD_ID, AUDIT_GENESIS_HASH, AUDIT_ROW_SELECT, auditRowHash } from "./audit.ts";

// Walks the audit chain from the first entry and names the first one that
// does not check out. What it detects, and what it cannot:
//
// - an entry whose content was changed: its hash no longer matches ("modified");
// - an entry changed and re-hashed, or deleted from the middle: the entry after
//   it no longer links to the one before it ("unlinked");
// - the newest entries deleted: the chain head (moved forward in the same
//   transaction as every append) still names an entry that is gone
//   ("head-mismatch"), and the next append still links to it ("unlinked");
// - an entry inserted past the head without moving it ("after-head").
//
// It cannot detect someone who controls the database rewriting every entry
// from some point on, re-hashing each and moving the head to match: the chain
// only proves internal consistency. Anchoring defeats that: keep the head
// this reports somewhere the database's owner cannot write (a ticket, a log
// shipped elsewhere) and pass it back with `npm run audit:verify -- --anchor
// ID:HASH`; a rewrite of any entry up to the anchor then shows.

export const AUDIT_CHAIN_PROBLEMS = ["modified", "unlinked", "head-missing", "head-mismatch", "after-head", "anchor-mismatch"] as const;
export type AuditChainProblem = (typeof AUDIT_CHAIN_PROBLEMS)[number];

export type AuditChainBreak = {
  problem: AuditChainProblem;
  /** The first entry that does not check out; null when the problem is the head itself. */
  entryId: string | null;
  at: Date | null;
  action: string | null;
  message: string;
};

export type AuditChainVerification = {
  ok: boolean;
  /** Entries whose hash and link were checked before the walk stopped. */
  checked: number;
  /** The head as recorded: the newest entry's id and hash. */
  head: { id: string; hash: string } | null;
  firstBroken: AuditChainBreak | null;
};

export type AuditAnchor = { id: bigint; hash: string };

export async function verifyAuditChain(db: Db, options: { anchor?: AuditAnchor; batchSize?: number } = {}): Promise<AuditChainVerification> {
  const batchSize = options.batchSize ?? 2000;
  // One snapshot for the head and every entry, so appends made while the
  // walk runs are neither half-seen nor mistaken for tampering.
  return db.$transaction(
    async (tx): Promise<AuditChainVerification> => {
      const headRow = await tx.auditChainHead.findUnique({ where: { id: AUDIT_CHAIN_HEAD_ID }, select: { lastId: true, lastHash: true } });
      const head = headRow && { id: headRow.lastId.toString(), hash: headRow.lastHash };
      let checked = 0;
      const broken = (problem: AuditChainProblem, entry: { id: bigint; at: Date; action: string } | null, message: string): AuditChainVerification => ({
        ok: false,
        checked,
        head,
        firstBroken: { problem, entryId: entry ? entry.id.toString() : null, at: entry?.at ?? null, action: entry?.action ?? null, message },
      });

      let previousHash = AUDIT_GENESIS_HASH;
      let previousId: bigint | null = null;
      let anchorSeen = false;
      let cursor = 0n; // ids start at 1

      for (;;) {
        const rows = await tx.auditEvent.findMany({
          where: { id: { gt: cursor } },
          orderBy: { id: "asc" },
          take: batchSize,
          select: AUDIT_ROW_SELECT,
        });
        for (const row of rows) {
          if (headRow && row.id > headRow.lastId) {
            return broken("after-head", row, `Entry #${row.id} comes after the chain head (#${headRow.lastId}): it was added outside the workbench.`);
          }
          if (auditRowHash({ ...row, data: (row.data as Record<string, CanonicalValue> | null) ?? null }) !== row.hash) {
            return broken("modified", row, `Entry #${row.id} was changed after it was written: its content no longer matches its hash.`);
          }
          if (row.prevHash !== previousHash) {
            return broken(
              "unlinked",
              row,
              previousId === null
                ? `Entry #${row.id} is the oldest entry left but does not start the chain: the entries before it were deleted.`
                : `Entry #${row.id} does not link to entry #${previousId} before it: an entry between them was deleted, or #${previousId} was changed and re-hashed.`,
            );
          }
          if (options.anchor && row.id === options.anchor.id) {
            anchorSeen = true;
            if (row.hash !== options.anchor.hash) {
              return broken("anchor-mismatch", row, `Entry #${row.id} is not the entry you anchored: the chain up to it was rewritten.`);
            }
          }
          previousHash = row.hash;
          previousId = row.id;
          checked++;
        }
        if (rows.length < batchSize) break;
        cursor = rows[rows.length - 1]!.id;
      }

      if (!headRow) return broken("head-missing", null, "The chain head is missing: it was deleted, so the newest entries cannot be vouched for.");
      if (headRow.lastId !== (previousId ?? 0n) || headRow.lastHash !== previousHash) {
        const last = previousId === null ? "the trail is empty" : `the newest entry left is #${previousId}`;
        return broken(
          "head-mismatch",
          null,
          headRow.lastId > (previousId ?? 0n)
            ? `The newest entries were deleted: the chain head names entry #${headRow.lastId}, but ${last}.`
            : `Entry #${headRow.lastId} was replaced: its hash is not the one the chain head recorded.`,
        );
      }
      if (options.anchor && !anchorSeen) {
        return broken("anchor-mismatch", null, `The anchored entry #${options.anchor.id} is not in the chain: it was deleted, or the anchor is from another workbench.`);
      }
      return { ok: true, checked, head, firstBroken: null };
    },
    { isolationLevel: "RepeatableRead", maxWait: 10_000, timeout: 30 * 60_000 },
  );
}
