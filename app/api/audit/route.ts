import { getDb } from "@/lib/server/db/client.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { auditPageInput, searchAuditTrail } from "@/lib/server/use-cases/search-audit-trail.ts";

export const GET = defineRoute({ access: { kind: "user", action: "audit.read" }, query: auditPageInput }, async ({ actor, query }) => {
  const { before, limit, ...filter } = query;
  return searchAuditTrail(getDb(), actor!, filter, { beforeId: before, limit });
});
