import { getDb } from "@/lib/server/db/client.ts";
import { revisionAnswer } from "@/lib/server/http/answers/revisions.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { revisionParams } from "@/lib/server/http/params.ts";
import { getRevisionForReview } from "@/lib/server/use-cases/read-programs.ts";

export const GET = defineRoute({ access: { kind: "user", action: "program.read" }, params: revisionParams, answer: revisionAnswer }, async ({ actor, params }) => ({
  revision: await getRevisionForReview(getDb(), actor!, params.revisionId),
}));
