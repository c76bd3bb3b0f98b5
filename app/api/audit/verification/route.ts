import { getDb } from "@/lib/server/db/client.ts";
import { auditVerificationAnswer } from "@/lib/server/http/answers/audit.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { verifyAuditTrail } from "@/lib/server/use-cases/verify-audit-trail.ts";

export const GET = defineRoute({ access: { kind: "user", action: "audit.read" }, answer: auditVerificationAnswer }, async ({ actor }) => ({
  verification: await verifyAuditTrail(getDb(), actor!),
}));
