// The migration tooling against the real PostgreSQL: the committed
// migrations match prisma/schema.prisma, applying them is verified, and a
// step that did nothing cannot pass for success.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { databaseUrl, runAsAdmin } from "@/test/database-url.ts";
import { MigrationError, applyMigrations, diffMigrationsToSchema } from "./migrations.ts";
import { MIGRATIONS_DIR } from "./schema-engine.ts";

const created: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `wb_mig_${randomBytes(5).toString("hex")}`;
  await runAsAdmin(`CREATE DATABASE ${name}`);
  created.push(name);
  return databaseUrl(name);
}

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of created) await runAsAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

describe("migrations", () => {
  it("the committed migrations produce exactly prisma/schema.prisma, and checking that leaves the database untouched", async () => {
    const url = await emptyDatabase();
    expect(await diffMigrationsToSchema(url)).toBe("");
    // The diff replays migrations in a throwaway shadow database, never in the one it was given.
    expect(await tables(url)).toEqual([]);
  });

  it("applies every migration once and verifies the result; a second run applies nothing and still verifies", async () => {
    const url = await emptyDatabase();
    const migrations = fs.readdirSync(MIGRATIONS_DIR).filter((name) => fs.statSync(path.join(MIGRATIONS_DIR, name)).isDirectory());
    const first = await applyMigrations(url);
    expect(first.applied).toEqual(migrations.sort());
    expect(await tables(url)).toEqual(expect.arrayContaining(["User", "Revision", "Run", "Frame", "AuditEvent", "_prisma_migrations"]));
    expect(await applyMigrations(url)).toEqual({ applied: [], total: migrations.length });
  });

  it("fails when there is nothing to apply from, instead of reporting success", async () => {
    const url = await emptyDatabase();
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-no-migrations-"));
    await expect(applyMigrations(url, emptyDir)).rejects.toThrow(MigrationError);
    expect(await tables(url)).toEqual([]);
  });

  it("fails when an applied migration was edited afterwards", async () => {
    const url = await emptyDatabase();
    await applyMigrations(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = (SELECT min(migration_name) FROM _prisma_migrations)");
    await client.end();
    await expect(applyMigrations(url)).rejects.toThrow(/edited after they were applied/);
  });
});
