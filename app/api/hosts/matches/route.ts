import { getDb } from "@/lib/server/db/client.ts";
import { hostMatchesAnswer } from "@/lib/server/http/answers/hosts.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { resolveHostSelector, resolveHostSelectorQuery } from "@/lib/server/use-cases/resolve-host-selector.ts";

export const GET = defineRoute({ access: { kind: "user", action: "host.read" }, query: resolveHostSelectorQuery, answer: hostMatchesAnswer }, async ({ actor, query }) =>
  resolveHostSelector(getDb(), actor!, query),
);
