import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createDbClient, setDb, type Db } from "@/lib/server/db/client.ts";
import { adminUrl, databaseUrl } from "./database-url.ts";

export type TestDatabase = { name: string; url: string; db: Db; drop(): Promise<void> };

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of this test file's own; also installed as the process's db client. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `wb_test_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`));
  const url = databaseUrl(name);
  const db = createDbClient(url);
  setDb(db);
  return {
    name,
    url,
    db,
    async drop() {
      await db.$disconnect();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
