import { getDb } from "@/lib/server/db/client.ts";
import { dbShares } from "@/lib/server/db/db-share.ts";
import { runComparisonAnswer } from "@/lib/server/http/answers/runs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { compareRuns, compareRunsQuerySchema } from "@/lib/server/use-cases/compare-runs.ts";

/** Compares runs `a` against runs `b` (comma-separated ids; several hosts merge), optionally over time ranges. */
export const GET = defineRoute({ access: { kind: "user", action: "run.read" }, query: compareRunsQuerySchema, answer: runComparisonAnswer }, async ({ actor, query }) =>
  dbShares().bulkReads.run(() =>
    compareRuns(getDb(), actor!, {
      a: { runIds: query.a, fromSec: query.aFrom, toSec: query.aTo },
      b: { runIds: query.b, fromSec: query.bFrom, toSec: query.bTo },
      map: query.map,
      key: query.key,
    }),
  ),
);
