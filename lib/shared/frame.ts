// A frame is one record of a run's bpftrace output, numbered by the agent.
// The agent assigns `seq` (1, 2, 3, ... per run) and never reuses one; the
// server stores frames keyed by (runId, seq), so a frame delivered twice is
// stored once. Documented in docs/frames.md.
import { z } from "zod";
import type { OutputRecord } from "./bpftrace/records.ts";

export type Frame = {
  runId: string;
  seq: number;
  /** Milliseconds since the Unix epoch, on the agent's clock, when bpftrace printed the record. */
  at: number;
  record: OutputRecord;
};

/** Upper bound on one serialized frame; bigger records are cut by the agent. */
export const MAX_FRAME_BYTES = 256 * 1024;
export const MAX_FRAMES_PER_BATCH = 500;

export const frameSchema = z
  .object({
    runId: z.string().min(1).max(64),
    seq: z.number().int().positive(),
    at: z.number().int().nonnegative(),
    // Records are validated by shape in lib/shared/bpftrace/records.ts.
    record: z.object({ type: z.string().min(1).max(40) }).passthrough(),
  })
  .strict();
