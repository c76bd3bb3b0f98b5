import { getDb } from "@/lib/server/db/client.ts";
import { runBatchAnswer } from "@/lib/server/http/answers/runs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { readRunBatch } from "@/lib/server/use-cases/read-run-batch.ts";

/** The run and the other hosts' runs signed by the same approval (one run of the program on several hosts). */
export const GET = defineRoute({ access: { kind: "user", action: "run.read" }, params: runParams, answer: runBatchAnswer }, async ({ actor, params }) => ({
  runs: await readRunBatch(getDb(), actor!, params.runId),
}));
