import { getDb } from "@/lib/server/db/client.ts";
import { healthAnswer } from "@/lib/server/http/answers/service.ts";
import { defineRoute } from "@/lib/server/http/route.ts";

export const GET = defineRoute({ access: { kind: "public", why: "liveness probe for the launcher and load balancers" }, answer: healthAnswer }, async () => {
  await getDb().$queryRaw`SELECT 1`;
  return { ok: true };
});
