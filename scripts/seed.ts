// npm run db:seed: demo users for each role, printed with their passwords.
import path from "node:path";
import { createDbClient } from "@/lib/server/db/client.ts";
import { ensureDatabase } from "./lib/database.ts";
import { formatDemoUsers, seedDemoUsers } from "./lib/demo-users.ts";
import { PROJECT_ROOT } from "./db/schema-engine.ts";

const dataDir = process.env.WORKBENCH_DATA_DIR ?? path.join(PROJECT_ROOT, ".data");
const database = await ensureDatabase(dataDir, (line) => process.stderr.write(line + "\n"));
const db = createDbClient(database.url);
try {
  const users = await seedDemoUsers(db, dataDir);
  process.stdout.write(`demo users (role, email, password):\n${formatDemoUsers(users)}\n`);
} finally {
  await db.$disconnect();
  await database.stop();
}
