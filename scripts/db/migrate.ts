// npm run db:migrate: applies prisma/migrations to DATABASE_URL (or the
// embedded database under .data when DATABASE_URL is unset) and verifies it.
import path from "node:path";
import { ensureDatabase } from "../lib/database.ts";
import { applyMigrations } from "./migrations.ts";
import { PROJECT_ROOT } from "./schema-engine.ts";

const dataDir = process.env.WORKBENCH_DATA_DIR ?? path.join(PROJECT_ROOT, ".data");
const database = await ensureDatabase(dataDir, (line) => process.stderr.write(line + "\n"));
try {
  const { applied, total } = await applyMigrations(database.url);
  process.stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}\n` : `database is up to date (${total} migrations)\n`);
} catch (error) {
  process.stderr.write(`migration failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await database.stop();
}
