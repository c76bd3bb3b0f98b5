import { MAX_BATCH_BYTES } from "@/lib/shared/frame.ts";
import { getDb } from "@/lib/server/db/client.ts";
import { storedReplayFramesAnswer } from "@/lib/server/http/answers/replays.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { recordReplayFrames, replayFramesSchema } from "@/lib/server/frames/record-replay-frames.ts";

/** A batch of a replay's frames (at most 500, and about 1 MiB as the agent's batches). */
export const POST = defineRoute(
  { access: { kind: "user", action: "replay.create" }, params: runParams, body: replayFramesSchema, maxBodyBytes: MAX_BATCH_BYTES + 64 * 1024, answer: storedReplayFramesAnswer },
  async ({ actor, params, body }) => recordReplayFrames(getDb(), actor!, params.runId, body),
);
