import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { runbookListAnswer } from "@/lib/server/http/answers/runbooks.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { listRunbooksFor } from "@/lib/server/use-cases/read-runbooks.ts";

export const GET = defineRoute(
  { access: { kind: "user", action: "program.read" }, query: z.object({ q: z.string().max(200, "A search is at most 200 characters.").optional() }), answer: runbookListAnswer },
  async ({ actor, query }) => ({ runbooks: await listRunbooksFor(getDb(), actor!, { search: query.q }) }),
);
