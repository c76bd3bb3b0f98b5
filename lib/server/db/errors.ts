import "server-only";

/**
 * A unique constraint violation: Prisma's P2002, or, from a raw query
 * (P2010), PostgreSQL's own code 23505 as the driver adapter reports it, or
 * that code straight from `pg` (the hot-path pool).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  return code === "P2002" || code === "23505" || (code === "P2010" && meta?.driverAdapterError?.cause?.originalCode === "23505");
}

/**
 * PostgreSQL gave up on the transaction because of another one (a deadlock,
 * 40P01, or a serialization failure, 40001; Prisma's P2034): nothing of it
 * was written, and running it again is safe.
 */
export function isTransactionConflict(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message, meta } = error as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  const original = meta?.driverAdapterError?.cause?.originalCode;
  return (
    code === "P2034" || code === "40P01" || code === "40001" || original === "40P01" || original === "40001" || (typeof message === "string" && /Code: `40(P01|001)`/.test(message))
  );
}

/** Runs a transaction again (up to `attempts` times in all) when PostgreSQL chose it as a deadlock's or a serialization conflict's victim. */
export async function retryOnConflict<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}
