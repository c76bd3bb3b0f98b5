import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createDbClient, setDb, type Db } from "@/lib/server/db/client.ts";
import { databaseUrl, runAsAdmin } from "./database-url.ts";

export type TestDatabase = { name: string; url: string; db: Db; drop(): Promise<void> };

/** A fresh, migrated database of this test file's own; also installed as the process's db client. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `wb_test_${randomBytes(6).toString("hex")}`;
  await runAsAdmin(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`);
  const url = databaseUrl(name);
  const db = createDbClient(url);
  setDb(db);
  return {
    name,
    url,
    db,
    async drop() {
      await db.$disconnect();
      await runAsAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
