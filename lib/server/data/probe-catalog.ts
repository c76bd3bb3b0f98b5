import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";

/**
 * The probe names the given hosts reported (their `bpftrace -l` tracepoints),
 * merged; undefined when none of them reported a list, so the lint counts
 * wildcards conservatively instead of against an empty catalog.
 */
export async function probeCatalogOf(db: Db | Tx, hostIds: string[]): Promise<string[] | undefined> {
  const hosts = await db.host.findMany({ where: { id: { in: hostIds } }, select: { facts: true } });
  const lists = hosts
    .map((host) => (host.facts as { tracepoints?: unknown } | null)?.tracepoints)
    .filter((list): list is string[] => Array.isArray(list) && list.every((p) => typeof p === "string"));
  if (lists.length === 0) return undefined;
  return [...new Set(lists.flat())].sort();
}
