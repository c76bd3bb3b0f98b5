import { getDb } from "@/lib/server/db/client.ts";
import { stoppedRunAnswer } from "@/lib/server/http/answers/runs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { stopRun } from "@/lib/server/use-cases/stop-run.ts";

export const POST = defineRoute({ access: { kind: "user", action: "run.stop" }, params: runParams, answer: stoppedRunAnswer }, async ({ actor, params }) =>
  stopRun(getDb(), actor!, params.runId),
);
