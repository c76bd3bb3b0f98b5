import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";

// One client for the whole process. The custom server and the route handlers
// Next bundles are separate module graphs in the same process, so the
// instance lives on globalThis rather than in module scope.
const globalForDb = globalThis as unknown as { workbenchDb?: PrismaClient };

export function createDbClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
}

export function getDb(): PrismaClient {
  globalForDb.workbenchDb ??= createDbClient(loadServerEnv().DATABASE_URL);
  return globalForDb.workbenchDb;
}

/** For tests and tools that bring their own database. */
export function setDb(client: PrismaClient): void {
  globalForDb.workbenchDb = client;
}

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
