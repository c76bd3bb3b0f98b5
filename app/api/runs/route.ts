import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { runListAnswer } from "@/lib/server/http/answers/runs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { listRuns } from "@/lib/server/use-cases/read-runs.ts";
import { toRunSnapshot } from "@/lib/server/data/run-snapshots.ts";

export const GET = defineRoute(
  { access: { kind: "user", action: "run.read" }, query: z.object({ status: z.enum(["QUEUED", "RUNNING", "ENDED"]).optional() }), answer: runListAnswer },
  async ({ actor, query }) => ({
    runs: (await listRuns(getDb(), actor!, query.status ? { status: query.status } : {})).map(toRunSnapshot),
  }),
);
