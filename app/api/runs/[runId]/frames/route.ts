import { z } from "zod";
import { MAX_STORED_INT } from "@/lib/shared/input-limits.ts";
import { getDb } from "@/lib/server/db/client.ts";
import { dbShares } from "@/lib/server/db/db-share.ts";
import { runFramesAnswer } from "@/lib/server/http/answers/runs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { getRunFrames } from "@/lib/server/use-cases/read-runs.ts";

export const GET = defineRoute(
  {
    access: { kind: "user", action: "run.read" },
    params: runParams,
    query: z.object({
      afterSeq: z.coerce.number().int().min(0).max(MAX_STORED_INT, `afterSeq is a frame number, at most ${MAX_STORED_INT}.`).default(0),
      limit: z.coerce.number().int().min(1).max(5000).default(1000),
    }),
    answer: runFramesAnswer,
  },
  async ({ actor, params, query }) => {
    const frames = await dbShares().bulkReads.run(() => getRunFrames(getDb(), actor!, params.runId, query));
    return { frames, nextAfterSeq: frames.at(-1)?.seq ?? query.afterSeq };
  },
);
