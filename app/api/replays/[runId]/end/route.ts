import { getDb } from "@/lib/server/db/client.ts";
import { endedReplayAnswer } from "@/lib/server/http/answers/replays.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { finishReplay, finishReplaySchema } from "@/lib/server/use-cases/finish-replay.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "replay.create" }, params: runParams, body: finishReplaySchema, answer: endedReplayAnswer },
  async ({ actor, params, body }) => finishReplay(getDb(), actor!, params.runId, body),
);
