// npm run db:seed: demo users for each role, printed with their passwords, and
// the starter runbook library (runbooks/library) submitted by the demo
// engineer as proposed runbooks that still need a reviewer's approval.
import path from "node:path";
import { z } from "zod";
import { createDbClient } from "@/lib/server/db/client.ts";
import { findActorByEmail } from "@/lib/server/data/users.ts";
import { DEFAULT_RUNBOOK_VALIDITY_DAYS, MAX_RUNBOOK_VALIDITY_DAYS_CEILING } from "@/lib/shared/runbook-policy.ts";
import { MAX_DURATION_SEC_CEILING } from "@/lib/shared/input-limits.ts";
import { ensureDatabase } from "./lib/database.ts";
import { formatDemoUsers, seedDemoUsers } from "./lib/demo-users.ts";
import { proposeLibraryRunbooks, readRunbookLibrary } from "./lib/runbook-library.ts";
import { PROJECT_ROOT } from "./db/schema-engine.ts";

// The same limits the server applies to a submission (lib/server/env.ts), read here without the server's other settings.
const limits = z
  .object({
    WORKBENCH_MAX_DURATION_SEC: z.coerce.number().int().min(1).max(MAX_DURATION_SEC_CEILING).default(3600),
    WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS: z.coerce.number().int().min(1).max(MAX_RUNBOOK_VALIDITY_DAYS_CEILING).default(DEFAULT_RUNBOOK_VALIDITY_DAYS),
  })
  .parse(process.env);

const dataDir = process.env.WORKBENCH_DATA_DIR ?? path.join(PROJECT_ROOT, ".data");
const libraryDir = process.env.WORKBENCH_RUNBOOK_LIBRARY_DIR ?? path.join(PROJECT_ROOT, "runbooks/library");
const database = await ensureDatabase(dataDir, (line) => process.stderr.write(line + "\n"));
const db = createDbClient(database.url);
try {
  const users = await seedDemoUsers(db, dataDir);
  process.stdout.write(`demo users (role, email, password):\n${formatDemoUsers(users)}\n`);
  const author = await findActorByEmail(db, "engineer@workbench.local");
  const library = readRunbookLibrary(libraryDir);
  if (author && library.length > 0) {
    const { proposed, skipped } = await proposeLibraryRunbooks(db, author, library, {
      maxDurationSec: limits.WORKBENCH_MAX_DURATION_SEC,
      maxRunbookValidityDays: limits.WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS,
    });
    process.stdout.write(`runbooks proposed for review: ${proposed.length} (${skipped.length} already there)\n`);
  }
} finally {
  await db.$disconnect();
  await database.stop();
}
