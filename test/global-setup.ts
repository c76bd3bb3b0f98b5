// Integration tests run against the real PostgreSQL (TEST_DATABASE_ADMIN_URL,
// default: the local server with trust auth). Migrations are applied once to
// a template database named after their content; every test file then gets
// its own copy (CREATE DATABASE ... TEMPLATE), so files never share state.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../scripts/db/migrations.ts";
import { MIGRATIONS_DIR } from "../scripts/db/schema-engine.ts";
import { adminUrl, databaseUrl } from "./database-url.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

function migrationsDigest(): string {
  const hash = createHash("sha256");
  for (const dir of fs.readdirSync(MIGRATIONS_DIR).sort()) {
    const file = path.join(MIGRATIONS_DIR, dir, "migration.sql");
    if (fs.existsSync(file)) hash.update(dir).update(fs.readFileSync(file));
  }
  return hash.digest("hex").slice(0, 12);
}

export default async function setup(project: TestProject): Promise<void> {
  const template = `wb_template_${migrationsDigest()}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
    if (!rowCount) {
      const building = `${template}_building_${process.pid}`;
      await admin.query(`CREATE DATABASE ${building}`);
      await applyMigrations(databaseUrl(building));
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    }
  } finally {
    await admin.end();
  }
  project.provide("templateDatabase", template);
}
