// npm run db:migration:create -- NAME: writes the SQL that takes
// prisma/migrations to prisma/schema.prisma as a new migration. The engine
// replays the existing migrations in a temporary shadow database on the
// server DATABASE_URL points at (or the embedded one).
import path from "node:path";
import { ensureDatabase } from "../lib/database.ts";
import { createMigration } from "./migrations.ts";
import { PROJECT_ROOT } from "./schema-engine.ts";

const name = process.argv[2];
if (!name) {
  process.stderr.write("usage: npm run db:migration:create -- NAME\n");
  process.exit(64);
}
const dataDir = process.env.WORKBENCH_DATA_DIR ?? path.join(PROJECT_ROOT, ".data");
const database = await ensureDatabase(dataDir, (line) => process.stderr.write(line + "\n"));
try {
  const dir = await createMigration(database.url, name);
  process.stdout.write(dir ? `wrote ${path.relative(PROJECT_ROOT, dir)}/migration.sql\n` : "the schema and the migrations agree; nothing to write\n");
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await database.stop();
}
