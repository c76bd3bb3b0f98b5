import "server-only";
import { z } from "zod";
import { hostSelectorSchema, selectHosts, storedSelector } from "@/lib/shared/host-selector.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listActiveLabelledHosts, type LabelledHost } from "@/lib/server/data/hosts.ts";
import { AppError } from "@/lib/server/errors.ts";

export const resolveHostSelectorQuery = z.object({
  selector: hostSelectorSchema,
  /** How many of the matching hosts to list (the count is always the full one). */
  limit: z.coerce.number({ error: "limit is a number." }).int().min(0).max(500, "limit is at most 500.").default(50),
});

export type HostSelection = { selector: string; count: number; hosts: LabelledHost[]; truncated: boolean };

/**
 * Which enrolled, not revoked hosts a selector matches now: the count and the
 * first `limit` of them by name. Read-only; the program form shows it as the
 * selector is typed. A later approval resolves the selector again.
 */
export async function resolveHostSelector(db: Db, actor: Actor, query: z.output<typeof resolveHostSelectorQuery>): Promise<HostSelection> {
  authorize(actor, "host.read");
  if (!query.selector) throw new AppError("BAD_REQUEST", "Give a selector, like role=db,zone!=eu-1.");
  const matched = selectHosts(storedSelector(query.selector), await listActiveLabelledHosts(db));
  return { selector: query.selector, count: matched.length, hosts: matched.slice(0, query.limit), truncated: matched.length > query.limit };
}
