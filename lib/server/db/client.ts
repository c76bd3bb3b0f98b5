import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";

// One client for the whole process. The custom server and the route handlers
// Next bundles are separate module graphs in the same process, so the
// instance lives on globalThis rather than in module scope.
const globalForDb = globalThis as unknown as { workbenchDb?: PrismaClient };

/**
 * `poolSize` connections (WORKBENCH_DB_POOL_SIZE); a transaction waits up to 5 s
 * for one and may run 10 s. Classes of requests one person can multiply (live
 * snapshots, bulk frame reads) hold at most a few of them at once
 * (db-share.ts), so the rest always serve approvals, sign-ins and agents.
 */
export function createDbClient(databaseUrl: string, poolSize = 10): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }),
    transactionOptions: { maxWait: 5000, timeout: 10_000 },
  });
}

export function getDb(): PrismaClient {
  if (!globalForDb.workbenchDb) {
    const env = loadServerEnv();
    globalForDb.workbenchDb = createDbClient(env.DATABASE_URL, env.WORKBENCH_DB_POOL_SIZE);
  }
  return globalForDb.workbenchDb;
}

/** For tests and tools that bring their own database. */
export function setDb(client: PrismaClient): void {
  globalForDb.workbenchDb = client;
}

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
