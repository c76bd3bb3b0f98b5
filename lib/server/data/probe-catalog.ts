import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";

/**
 * Past this many hosts the catalog is the union of this many of them, spread
 * evenly through the ids: each host's `bpftrace -l` list is tens of KB, so
 * reading every one of a 5,000-host fleet would be hundreds of MB for one
 * lint. Hosts of a fleet share a few kernels, and the lint only counts what a
 * wildcard could match.
 */
const CATALOG_SAMPLE = 64;

function spreadSample(ids: string[]): string[] {
  if (ids.length <= CATALOG_SAMPLE) return ids;
  const sorted = [...ids].sort();
  return Array.from({ length: CATALOG_SAMPLE }, (_, i) => sorted[Math.floor((i * sorted.length) / CATALOG_SAMPLE)]!);
}

/**
 * The probe names the given hosts reported (their `bpftrace -l` tracepoints),
 * merged; undefined when none of them reported a list, so the lint counts
 * wildcards conservatively instead of against an empty catalog.
 */
export async function probeCatalogOf(db: Db | Tx, hostIds: string[]): Promise<string[] | undefined> {
  const hosts = await db.host.findMany({ where: { id: { in: spreadSample(hostIds) } }, select: { facts: true } });
  const lists = hosts
    .map((host) => (host.facts as { tracepoints?: unknown } | null)?.tracepoints)
    .filter((list): list is string[] => Array.isArray(list) && list.every((p) => typeof p === "string"));
  if (lists.length === 0) return undefined;
  return [...new Set(lists.flat())].sort();
}
