// The audit trail against the real PostgreSQL: the chain check names the
// first entry that was tampered with, and the database refuses edits and
// deletions. Tampering is done the way an attacker with database superuser
// rights would: with the append-only triggers switched off for their session.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { CanonicalValue } from "@/lib/shared/canonical-json.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { appendAudit, appendAuditBatch, auditRowHash } from "./audit.ts";
import { verifyAuditChain } from "./audit-verification.ts";

let t: TestDatabase | undefined;

afterEach(async () => {
  await t?.drop();
  t = undefined;
});

/** A fresh database with `count` entries; tampering tests each get their own. */
async function trailOf(count: number): Promise<{ db: TestDatabase["db"]; url: string; ids: bigint[] }> {
  t = await createTestDatabase();
  for (let i = 1; i <= count; i++) {
    await t.db.$transaction((tx) =>
      appendAudit(tx, { actor: { type: "user", id: `u${i}`, name: `user ${i}` }, action: "test.step", target: { type: "test", id: String(i) }, toState: `S${i}`, data: { i } }),
    );
  }
  const ids = (await t.db.auditEvent.findMany({ orderBy: { id: "asc" }, select: { id: true } })).map((row) => row.id);
  return { db: t.db, url: t.url, ids };
}

/** SQL run as a superuser who has switched the triggers off for this session. */
async function asSuperuserWithoutTriggers(url: string, sql: string, params: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

async function rehashFrom(db: TestDatabase["db"], url: string, fromId: bigint): Promise<void> {
  // A thorough attacker: after changing an entry, recompute its hash and every later link, and move the head.
  const rows = await db.auditEvent.findMany({ where: { id: { gte: fromId } }, orderBy: { id: "asc" } });
  const before = await db.auditEvent.findFirst({ where: { id: { lt: fromId } }, orderBy: { id: "desc" }, select: { hash: true } });
  let prevHash = before!.hash;
  for (const row of rows) {
    const hash = auditRowHash({ ...row, prevHash, data: (row.data as Record<string, CanonicalValue> | null) ?? null });
    await asSuperuserWithoutTriggers(url, `UPDATE "AuditEvent" SET "prevHash" = $1, "hash" = $2 WHERE id = $3`, [prevHash, hash, row.id]);
    prevHash = hash;
  }
  await asSuperuserWithoutTriggers(url, `UPDATE "AuditChainHead" SET "lastHash" = $1 WHERE id = 1`, [prevHash]);
}

describe("audit chain verification", () => {
  it("passes an untouched chain and reports its head", async () => {
    const { db, ids } = await trailOf(5);
    const last = await db.auditEvent.findUniqueOrThrow({ where: { id: ids[4]! }, select: { hash: true } });
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 5, head: { id: ids[4]!.toString(), hash: last.hash }, firstBroken: null });
  });

  it("names an entry whose content was changed", async () => {
    const { db, url, ids } = await trailOf(5);
    await asSuperuserWithoutTriggers(url, `UPDATE "AuditEvent" SET "toState" = 'APPROVED' WHERE id = $1`, [ids[2]]);
    const result = await verifyAuditChain(db);
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(2);
    expect(result.firstBroken).toMatchObject({ problem: "modified", entryId: ids[2]!.toString(), action: "test.step" });
    expect(result.firstBroken!.message).toBe(`Entry #${ids[2]} was changed after it was written: its content no longer matches its hash.`);
  });

  it("names the entry after one that was changed and re-hashed", async () => {
    const { db, url, ids } = await trailOf(5);
    const row = await db.auditEvent.findUniqueOrThrow({ where: { id: ids[1]! } });
    const forged = { ...row, reason: "nothing to see", data: (row.data as Record<string, CanonicalValue> | null) ?? null };
    await asSuperuserWithoutTriggers(url, `UPDATE "AuditEvent" SET reason = $1, hash = $2 WHERE id = $3`, [forged.reason, auditRowHash(forged), ids[1]]);
    const result = await verifyAuditChain(db);
    expect(result.firstBroken).toMatchObject({ problem: "unlinked", entryId: ids[2]!.toString() });
    expect(result.firstBroken!.message).toMatch(new RegExp(`does not link to entry #${ids[1]} before it`));
  });

  it("names the entry after a deleted one, and notices the oldest entries deleted", async () => {
    const { db, url, ids } = await trailOf(5);
    await asSuperuserWithoutTriggers(url, `DELETE FROM "AuditEvent" WHERE id = $1`, [ids[2]]);
    expect((await verifyAuditChain(db)).firstBroken).toMatchObject({ problem: "unlinked", entryId: ids[3]!.toString() });

    await asSuperuserWithoutTriggers(url, `DELETE FROM "AuditEvent" WHERE id <= $1`, [ids[1]]);
    const result = await verifyAuditChain(db);
    expect(result.firstBroken).toMatchObject({ problem: "unlinked", entryId: ids[3]!.toString() });
    expect(result.firstBroken!.message).toMatch(/oldest entry left but does not start the chain/);
  });

  it("notices the newest entries deleted, before and after the next append", async () => {
    const { db, url, ids } = await trailOf(5);
    await asSuperuserWithoutTriggers(url, `DELETE FROM "AuditEvent" WHERE id >= $1`, [ids[3]]);
    const result = await verifyAuditChain(db);
    expect(result).toMatchObject({ ok: false, checked: 3, firstBroken: { problem: "head-mismatch", entryId: null } });
    expect(result.firstBroken!.message).toBe(`The newest entries were deleted: the chain head names entry #${ids[4]}, but the newest entry left is #${ids[2]}.`);

    // The workbench keeps appending onto the head, so the gap stays visible.
    await db.$transaction((tx) => appendAudit(tx, { actor: { type: "system" }, action: "test.later", target: { type: "test", id: "later" } }));
    const later = await verifyAuditChain(db);
    expect(later.firstBroken).toMatchObject({ problem: "unlinked", action: "test.later" });
  });

  it("notices an entry added without moving the head", async () => {
    const { db, ids } = await trailOf(3);
    const head = await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    // Linking to the head is all the insert trigger can demand; the head did not move, and that shows.
    const forged = {
      at: new Date(),
      actorType: "user",
      actorId: "u1",
      actorName: "user 1",
      action: "user.roles-change",
      targetType: "user",
      targetId: "u1",
      fromState: "ENGINEER",
      toState: "ADMIN",
      reason: null,
      contentHash: null,
      data: null,
      prevHash: head.lastHash,
    };
    await db.auditEvent.create({ data: { ...forged, data: undefined, hash: auditRowHash(forged) } });
    const result = await verifyAuditChain(db);
    expect(result.firstBroken).toMatchObject({ problem: "after-head", action: "user.roles-change" });
    expect(BigInt(result.firstBroken!.entryId!)).toBeGreaterThan(ids[2]!);
  });

  it("cannot see a consistent rewrite on its own, but an anchor kept elsewhere can", async () => {
    const { db, url, ids } = await trailOf(5);
    // An admin noted entry #4's hash earlier (say, from a previous `npm run audit:verify`).
    const anchor = { id: ids[3]!, hash: (await db.auditEvent.findUniqueOrThrow({ where: { id: ids[3]! }, select: { hash: true } })).hash };
    await asSuperuserWithoutTriggers(url, `UPDATE "AuditEvent" SET "toState" = 'REWRITTEN' WHERE id = $1`, [ids[1]]);
    await rehashFrom(db, url, ids[1]!);

    expect((await verifyAuditChain(db)).ok).toBe(true); // the limit of a chain the attacker can recompute
    const anchored = await verifyAuditChain(db, { anchor });
    expect(anchored.firstBroken).toMatchObject({ problem: "anchor-mismatch", entryId: ids[3]!.toString() });
  });

  it("checks a trail longer than one batch", async () => {
    const { db, url, ids } = await trailOf(7);
    expect(await verifyAuditChain(db, { batchSize: 2 })).toMatchObject({ ok: true, checked: 7 });
    await asSuperuserWithoutTriggers(url, `DELETE FROM "AuditEvent" WHERE id = $1`, [ids[4]]);
    expect((await verifyAuditChain(db, { batchSize: 2 })).firstBroken).toMatchObject({ problem: "unlinked", entryId: ids[5]!.toString() });
  });
});

describe("entries appended as one batch", () => {
  it("chain like single appends: the chain verifies, the head names the last, a changed entry in the batch is named", async () => {
    const { db, url } = await trailOf(2);
    await db.$transaction((tx) =>
      appendAuditBatch(
        tx,
        [3, 4, 5, 6].map((i) => ({ actor: { type: "system" as const }, action: "test.batch", target: { type: "test", id: String(i) }, toState: `S${i}`, data: { i } })),
      ),
    );
    await db.$transaction((tx) => appendAudit(tx, { actor: { type: "system" }, action: "test.after", target: { type: "test", id: "7" } }));
    const rows = await db.auditEvent.findMany({ orderBy: { id: "asc" }, select: { id: true, action: true, targetId: true, prevHash: true, hash: true } });
    expect(rows.map((row) => row.targetId)).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    const result = await verifyAuditChain(db);
    expect(result).toMatchObject({ ok: true, checked: 7, head: { id: rows[6]!.id.toString(), hash: rows[6]!.hash } });

    await asSuperuserWithoutTriggers(url, `UPDATE "AuditEvent" SET "toState" = 'FORGED' WHERE id = $1`, [rows[3]!.id]);
    expect((await verifyAuditChain(db)).firstBroken).toMatchObject({ problem: "modified", entryId: rows[3]!.id.toString(), action: "test.batch" });
  });

  it("leaves nothing when the transaction that appended it rolls back", async () => {
    const { db } = await trailOf(1);
    const entries = [1, 2, 3].map((i) => ({ actor: { type: "system" as const }, action: "test.rolled-back", target: { type: "test", id: String(i) } }));
    await expect(
      db.$transaction(async (tx) => {
        await appendAuditBatch(tx, entries);
        throw new Error("the change it audited failed");
      }),
    ).rejects.toThrow(/failed/);
    expect(await db.auditEvent.count({ where: { action: "test.rolled-back" } })).toBe(0);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it("the head still moves only onto an entry that descends from it", async () => {
    const { db, url, ids } = await trailOf(2);
    // An entry slipped in with the triggers off that links to nothing in the chain.
    const forged = {
      at: new Date(),
      actorType: "system",
      actorId: null,
      actorName: null,
      action: "test.forged",
      targetType: "test",
      targetId: "x",
      fromState: null,
      toState: null,
      reason: null,
      contentHash: null,
      data: null,
      prevHash: "f".repeat(64),
    };
    const hash = auditRowHash(forged);
    await asSuperuserWithoutTriggers(
      url,
      `INSERT INTO "AuditEvent" ("at", "actorType", "action", "targetType", "targetId", "prevHash", "hash") VALUES ($1, 'system', 'test.forged', 'test', 'x', $2, $3)`,
      [forged.at, forged.prevHash, hash],
    );
    const forgedId = (await db.auditEvent.findFirstOrThrow({ where: { action: "test.forged" }, select: { id: true } })).id;
    await expect(db.auditChainHead.update({ where: { id: 1 }, data: { lastId: forgedId, lastHash: hash } })).rejects.toThrow(/only moves forward/);
    expect(await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 }, select: { lastId: true } })).toEqual({ lastId: ids[1] });
  });
});

describe("the database keeps the trail append-only", () => {
  it("refuses to update, delete or truncate entries, whatever the client", async () => {
    const { db, url, ids } = await trailOf(3);
    const refused = /the audit trail is append-only/;
    await expect(db.auditEvent.update({ where: { id: ids[0]! }, data: { reason: "edited" } })).rejects.toThrow(refused);
    await expect(db.auditEvent.delete({ where: { id: ids[1]! } })).rejects.toThrow(refused);
    await expect(db.auditEvent.deleteMany({})).rejects.toThrow(refused);
    await expect(db.$executeRawUnsafe(`TRUNCATE "AuditEvent"`)).rejects.toThrow(refused);

    // Plain SQL as the superuser, triggers on: refused too.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await expect(client.query(`UPDATE "AuditEvent" SET reason = 'edited'`)).rejects.toThrow(refused);
      await expect(client.query(`DELETE FROM "AuditEvent"`)).rejects.toThrow(refused);
    } finally {
      await client.end();
    }
    expect(await db.auditEvent.count({ where: { reason: null } })).toBe(3);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it("keeps the chain head: it cannot be deleted or moved back, and entries must link to it", async () => {
    const { db, ids } = await trailOf(3);
    const first = await db.auditEvent.findUniqueOrThrow({ where: { id: ids[0]! }, select: { hash: true } });
    await expect(db.auditChainHead.delete({ where: { id: 1 } })).rejects.toThrow(/append-only/);
    await expect(db.auditChainHead.update({ where: { id: 1 }, data: { lastId: ids[0]!, lastHash: first.hash } })).rejects.toThrow(/only moves forward/);
    await expect(
      db.auditEvent.create({
        data: { actorType: "system", action: "test.forged", targetType: "test", targetId: "x", prevHash: first.hash, hash: "f".repeat(64) },
      }),
    ).rejects.toThrow(/must link to the chain head/);
    expect(await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 }, select: { lastId: true } })).toEqual({ lastId: ids[2] });
  });
});
