import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { verifyAuditChain, type AuditChainVerification } from "@/lib/server/data/audit-verification.ts";

/** The chain check `npm run audit:verify` runs, for the admin page. */
export async function verifyAuditTrail(db: Db, actor: Actor): Promise<AuditChainVerification> {
  authorize(actor, "audit.read");
  return verifyAuditChain(db);
}
