import "server-only";
import pg from "pg";

// The one place besides the Prisma client that talks to PostgreSQL: a small
// pool of plain `pg` connections for the realtime server's hot path (storing
// agents' frames, looking up their runs). Prisma interprets every query it
// runs; at thousands of frame batches a second that interpretation was the
// largest cost after socket writes (docs/frames.md, "Ingest"), so this path
// sends fixed SQL as prepared statements instead. Everything else keeps
// using Prisma (lib/server/db/client.ts).

export type HotPathPool = pg.Pool;

export type HotPathPoolOptions = {
  databaseUrl: string;
  /** Connections: one group commit in flight and run lookups beside it need two; a third absorbs a slow query. */
  size: number;
  /** A statement running longer than this fails (and its batches are answered INTERNAL, so agents resend) instead of holding the pool. */
  statementTimeoutMs: number;
};

export function createHotPathPool(options: HotPathPoolOptions): HotPathPool {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.size,
    statement_timeout: options.statementTimeoutMs,
    // A connection that could not be had within this is an error the caller answers, not a hang.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 60_000,
    application_name: "workbench-hot-path",
  });
  // An idle connection that drops (a database restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return pool;
}
