import { getDb } from "@/lib/server/db/client.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { resolveHostSelector, resolveHostSelectorQuery } from "@/lib/server/use-cases/resolve-host-selector.ts";

export const GET = defineRoute({ access: { kind: "user", action: "host.read" }, query: resolveHostSelectorQuery }, async ({ actor, query }) =>
  resolveHostSelector(getDb(), actor!, query),
);
