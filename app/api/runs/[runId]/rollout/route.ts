import { getDb } from "@/lib/server/db/client.ts";
import { runRolloutAnswer } from "@/lib/server/http/answers/runs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { readRolloutOfRun } from "@/lib/server/use-cases/read-rollout.ts";

export const GET = defineRoute({ access: { kind: "user", action: "run.read" }, params: runParams, answer: runRolloutAnswer }, async ({ actor, params }) =>
  readRolloutOfRun(getDb(), actor!, params.runId),
);
