import { getDb } from "@/lib/server/db/client.ts";
import { createdReplayAnswer } from "@/lib/server/http/answers/replays.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { createReplay, createReplaySchema } from "@/lib/server/use-cases/create-replay.ts";

/** Starts a replay: a recorded capture uploaded as a run (workbench-agent replay). */
export const POST = defineRoute(
  { access: { kind: "user", action: "replay.create" }, body: createReplaySchema, maxBodyBytes: 128 * 1024, successStatus: 201, answer: createdReplayAnswer },
  async ({ actor, body }) => createReplay(getDb(), actor!, body),
);
