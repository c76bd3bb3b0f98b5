import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { probeCatalogOf } from "@/lib/server/data/probe-catalog.ts";

/** The probes the chosen hosts reported, for completion and wildcard counts in the editor. */
export async function readProbeCatalog(db: Db, actor: Actor, hostIds: string[]): Promise<string[] | null> {
  authorize(actor, "host.read");
  return (await probeCatalogOf(db, hostIds)) ?? null;
}
