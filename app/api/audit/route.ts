import { getDb } from "@/lib/server/db/client.ts";
import { auditPageAnswer } from "@/lib/server/http/answers/audit.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { auditPageInput, searchAuditTrail } from "@/lib/server/use-cases/search-audit-trail.ts";

export const GET = defineRoute({ access: { kind: "user", action: "audit.read" }, query: auditPageInput, answer: auditPageAnswer }, async ({ actor, query }) => {
  const { before, limit, ...filter } = query;
  return searchAuditTrail(getDb(), actor!, filter, { beforeId: before, limit });
});
