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
