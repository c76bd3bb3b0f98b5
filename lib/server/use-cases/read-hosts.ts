import "server-only";
import { selectHosts, storedSelector } from "@/lib/shared/host-selector.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, can, type Actor } from "@/lib/server/auth/permissions.ts";
import { listHosts, type HostSummary } from "@/lib/server/data/hosts.ts";
import { listEnrollmentTokens, type EnrollmentTokenSummary } from "@/lib/server/data/enrollment-tokens.ts";

export async function listHostsFor(db: Db, actor: Actor, filter: { selector?: string | null } = {}): Promise<HostSummary[]> {
  authorize(actor, "host.read");
  // Revoked hosts matter only to whoever manages enrollment.
  const hosts = await listHosts(db, { includeRevoked: can(actor, "host.enroll-token.create") });
  return filter.selector ? selectHosts(storedSelector(filter.selector), hosts) : hosts;
}

export async function listEnrollmentTokensFor(db: Db, actor: Actor): Promise<EnrollmentTokenSummary[]> {
  authorize(actor, "host.enroll-token.create");
  return listEnrollmentTokens(db);
}
