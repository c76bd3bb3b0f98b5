// A scratch database for one benchmark run: created in the PostgreSQL at
// TEST_DATABASE_ADMIN_URL, migrated as `npm run db:migrate` does, and dropped
// at the end (its connections forced off).
import { randomBytes } from "node:crypto";
import { applyMigrations } from "../db/migrations.ts";
import { databaseUrl, runAsAdmin } from "../../test/database-url.ts";

export type BenchDatabase = { name: string; url: string; drop(): Promise<void> };

/** `prefix` names the bench in the database's name (wb_bench_fleet_…), so a leftover says whose it is. */
export async function createBenchDatabase(prefix = "wb_bench"): Promise<BenchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await runAsAdmin(`CREATE DATABASE ${name}`);
  const url = databaseUrl(name);
  const drop = () => runAsAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  try {
    await applyMigrations(url);
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url, drop };
}
