// `npm run audit:verify` as an operator runs it: its exit status and what it
// prints, on an intact trail and after an entry was deleted behind the
// workbench's back.
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  for (const action of ["program.create", "revision.submit", "revision.approve"]) {
    await t.db.$transaction((tx) => appendAudit(tx, { actor: { type: "system" }, action, target: { type: "test", id: action } }));
  }
});

afterAll(async () => {
  await t?.drop();
});

async function verify(...args: string[]): Promise<{ code: number; stdout: string }> {
  return promisify(execFile)(process.execPath, ["--import", "./scripts/node/register.mjs", "scripts/audit/verify.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: t.url },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
}

describe("npm run audit:verify", () => {
  it("says the chain is intact, prints its head as an anchor, and accepts that anchor back", async () => {
    const intact = await verify();
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^audit chain intact: 3 entries$/m);
    const anchor = /^head: (\d+:[0-9a-f]{64})$/m.exec(intact.stdout)?.[1];
    expect(anchor).toBeDefined();
    expect((await verify("--anchor", anchor!)).code).toBe(0);
  });

  it("exits 1 and names the first broken entry after a deletion", async () => {
    const ids = (await t.db.auditEvent.findMany({ orderBy: { id: "asc" }, select: { id: true } })).map((row) => row.id);
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      await client.query("SET session_replication_role = replica"); // a superuser switching the triggers off
      await client.query(`DELETE FROM "AuditEvent" WHERE id = $1`, [ids[1]]);
    } finally {
      await client.end();
    }
    const broken = await verify();
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`^audit chain BROKEN at entry #${ids[2]} \\(revision\\.approve, `, "m"));
    expect(broken.stdout).toContain(`does not link to entry #${ids[0]} before it`);
    const json = JSON.parse((await verify("--json")).stdout) as { ok: boolean; firstBroken: { entryId: string } };
    expect(json).toMatchObject({ ok: false, firstBroken: { entryId: ids[2]!.toString() } });
  });
});
