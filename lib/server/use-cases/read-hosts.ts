import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, can, type Actor } from "@/lib/server/auth/permissions.ts";
import { listHosts, type HostSummary } from "@/lib/server/data/hosts.ts";
import { listEnrollmentTokens, type EnrollmentTokenSummary } from "@/lib/server/data/enrollment-tokens.ts";

export async function listHostsFor(db: Db, actor: Actor): Promise<HostSummary[]> {
  authorize(actor, "host.read");
  // Revoked hosts matter only to whoever manages enrollment.
  return listHosts(db, { includeRevoked: can(actor, "host.enroll-token.create") });
}

export async function listEnrollmentTokensFor(db: Db, actor: Actor): Promise<EnrollmentTokenSummary[]> {
  authorize(actor, "host.enroll-token.create");
  return listEnrollmentTokens(db);
}
