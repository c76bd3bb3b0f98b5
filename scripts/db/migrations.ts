import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { MIGRATIONS_DIR, NO_FILTER, SCHEMA_PATH, openSchemaEngine, readMigrations, writeLockfile } from "./schema-engine.ts";

export class MigrationError extends Error {
  override name = "MigrationError";
}

export type ApplyResult = { applied: string[]; total: number };

/**
 * Applies every pending migration, then proves the database really is at the
 * head of prisma/migrations: the engine's own history check must be clean and
 * _prisma_migrations must hold a finished row for every migration directory.
 * A run that applied nothing to a database that lacks the tables fails here
 * instead of passing silently.
 */
export async function applyMigrations(databaseUrl: string, migrationsDir = MIGRATIONS_DIR): Promise<ApplyResult> {
  const migrationsList = readMigrations(migrationsDir);
  const expected = migrationsList.migrationDirectories.map((dir) => dir.path);
  if (expected.length === 0) throw new MigrationError(`no migrations found in ${migrationsDir}`);

  const { engine, close } = await openSchemaEngine(databaseUrl);
  let applied: string[];
  try {
    ({ appliedMigrationNames: applied } = await engine.applyMigrations({ migrationsList, filters: NO_FILTER }));
    const diagnosis = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
    if (!diagnosis.hasMigrationsTable) throw new MigrationError("the migrations table is missing after applying");
    if (diagnosis.failedMigrationNames.length) {
      throw new MigrationError(`failed migrations: ${diagnosis.failedMigrationNames.join(", ")}`);
    }
    if (diagnosis.editedMigrationNames.length) {
      throw new MigrationError(`migrations edited after they were applied: ${diagnosis.editedMigrationNames.join(", ")}`);
    }
    if (diagnosis.history !== null) {
      throw new MigrationError(`migration history does not match prisma/migrations: ${JSON.stringify(diagnosis.history)}`);
    }
  } finally {
    await close();
  }

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string }>("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL");
    const done = new Set(rows.map((row) => row.migration_name));
    const missing = expected.filter((name) => !done.has(name));
    if (missing.length) throw new MigrationError(`not recorded as applied: ${missing.join(", ")}`);
  } finally {
    await client.end();
  }
  return { applied, total: expected.length };
}

/** The SQL that would take the migrations directory to the schema; empty when in sync. */
export async function diffMigrationsToSchema(databaseUrl: string): Promise<string> {
  const migrationsList = readMigrations();
  const schema = fs.readFileSync(SCHEMA_PATH, "utf8");
  const { engine, close } = await openSchemaEngine(databaseUrl);
  try {
    const from = migrationsList.migrationDirectories.length ? ({ tag: "migrations", ...migrationsList } as const) : ({ tag: "empty" } as const);
    const result = await engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
    const script = result.stdout ?? "";
    return /^\s*(-- This is an empty migration\.)?\s*$/.test(script) ? "" : script;
  } finally {
    await close();
  }
}

/** Writes prisma/migrations/<timestamp>_<name>/migration.sql; returns its path, or null when in sync. */
export async function createMigration(databaseUrl: string, name: string): Promise<string | null> {
  if (!/^[a-z0-9_]{1,60}$/.test(name)) throw new MigrationError("a migration name is lower-case letters, digits and _");
  const script = await diffMigrationsToSchema(databaseUrl);
  if (!script) return null;
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
  fs.mkdirSync(dir, { recursive: true });
  writeLockfile();
  fs.writeFileSync(path.join(dir, "migration.sql"), script);
  return dir;
}
