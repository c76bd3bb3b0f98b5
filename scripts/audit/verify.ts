// npm run audit:verify [-- --anchor ID:HASH] [--json]
//
// Walks the audit chain from its first entry and names the first one that
// does not check out (changed, deleted, inserted out of band, newest entries
// deleted). Exit status: 0 intact, 1 broken, 2 could not check. The database
// is DATABASE_URL's, or the quick start's embedded one.
//
// The chain proves the trail is consistent with itself. To also catch a
// wholesale rewrite by someone who controls the database, keep the head this
// prints somewhere they cannot write, and pass it back later as --anchor.
import path from "node:path";
import { parseArgs } from "node:util";
import { createDbClient } from "@/lib/server/db/client.ts";
import { verifyAuditChain, type AuditAnchor } from "@/lib/server/data/audit-verification.ts";
import { ensureDatabase } from "../lib/database.ts";
import { PROJECT_ROOT } from "../db/schema-engine.ts";

function parseAnchor(value: string | undefined): AuditAnchor | undefined {
  if (!value) return undefined;
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value.trim());
  if (!match) {
    process.stderr.write("--anchor is ENTRY_ID:SHA256_HEX, as a previous run printed it\n");
    process.exit(2);
  }
  return { id: BigInt(match[1]!), hash: match[2]! };
}

const { values } = parseArgs({ options: { anchor: { type: "string" }, json: { type: "boolean", default: false } } });
const anchor = parseAnchor(values.anchor);
const dataDir = process.env.WORKBENCH_DATA_DIR ?? path.join(PROJECT_ROOT, ".data");

let exitCode = 2;
const database = await ensureDatabase(dataDir, (line) => process.stderr.write(line + "\n"));
const db = createDbClient(database.url);
try {
  const result = await verifyAuditChain(db, { anchor });
  if (values.json) {
    process.stdout.write(JSON.stringify(result) + "\n");
  } else if (result.ok) {
    const head = result.head!;
    process.stdout.write(`audit chain intact: ${result.checked} entries${anchor ? `, including the anchored entry #${anchor.id}` : ""}\n`);
    if (result.checked > 0)
      process.stdout.write(`head: ${head.id}:${head.hash}\n(keep it where the database cannot reach, and check against it later with --anchor ${head.id}:${head.hash})\n`);
  } else {
    const broken = result.firstBroken!;
    const where = broken.entryId ? `entry #${broken.entryId} (${broken.action}, ${broken.at?.toISOString()})` : "the chain head";
    process.stdout.write(`audit chain BROKEN at ${where}\n${broken.message}\n${result.checked} entries before it check out.\n`);
  }
  exitCode = result.ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`could not verify the audit chain: ${(error as Error).message}\n`);
} finally {
  await db.$disconnect();
  await database.stop();
}
process.exit(exitCode);
