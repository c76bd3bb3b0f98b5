import { getDb } from "@/lib/server/db/client.ts";
import { runAnswer } from "@/lib/server/http/answers/runs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { getRunSnapshot } from "@/lib/server/use-cases/watch-run.ts";

export const GET = defineRoute({ access: { kind: "user", action: "run.read" }, params: runParams, answer: runAnswer }, async ({ actor, params }) => ({
  run: await getRunSnapshot(getDb(), actor!, params.runId),
}));
