import { z } from "zod";

// Answers of /api/replays/*: uploading a recorded capture as a run.

export const createdReplayAnswer = z.object({ runId: z.string().describe("The replay's run: watch it at /runs/{runId}, send its frames to /api/replays/{runId}/frames.") });

export const storedReplayFramesAnswer = z.object({
  stored: z.number().int().describe("Frames of the batch newly stored (a resent frame is stored once)."),
  lastSeq: z.number().int().describe("The highest frame number stored for the replay."),
});

export const endedReplayAnswer = z.object({
  status: z.literal("ENDED"),
  frames: z.number().int().describe("The highest frame number stored: how many frames the upload carried."),
});
