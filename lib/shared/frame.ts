// A frame is one record of a run, numbered by the agent: a record bpftrace
// printed, or one the agent adds about the run itself (its measured overhead,
// a gap in the frames). The agent assigns `seq` (1, 2, 3, ... per run) and
// never reuses one; the server stores frames keyed by (runId, seq), so a frame
// delivered twice is stored once. Documented in docs/frames.md.
//
// One schema describes a frame in full, and the Frame type is derived from
// it: the server validates every frame an agent or a replay upload sends with
// it before storing anything, and the browser validates what it is relayed.
import { z } from "zod";
import { histRecordSchema, nameText, outputRecordSchema } from "./bpftrace/records.ts";
import { MAX_STORED_INT } from "./input-limits.ts";

/** Sequence numbers are PostgreSQL integers (Frame.seq, Run.lastSeq): 2^31 - 1 at most, years of frames at 10 a second. */
export const MAX_SEQ = MAX_STORED_INT;
/** The latest time JavaScript dates (and PostgreSQL timestamps from them) can carry, in ms since the epoch. */
export const MAX_FRAME_TIME_MS = 8.64e15;

const seq = z.int().min(1).max(MAX_SEQ, `a frame's seq is at most ${MAX_SEQ}`);
const count = z.int().min(0);
const percent = z.number().min(0).max(1e6);

const programOverheadSchema = z
  .object({
    /** The kernel's program id (`bpftool prog show id N`). */
    id: count,
    /** bpftrace names programs after their probe; null when the agent could not ask (no bpftool). */
    name: nameText(256).nullable(),
    /** BPF program type number as the kernel reports it (5: tracepoint, 7: perf_event, ...). */
    type: count,
    /** Times it ran in the interval. */
    events: count,
    /** Average kernel time per run, in nanoseconds; null when it did not run. */
    nsPerEvent: z.number().min(0).nullable(),
  })
  .strict();
export type ProgramOverhead = z.infer<typeof programOverheadSchema>;

/**
 * The run's CPU cost as the agent measured it, streamed every few seconds:
 * BPF programs' kernel run time (`run_time_ns`, with kernel.bpf_stats_enabled)
 * plus bpftrace's own user and system CPU, as % of one CPU.
 */
const overheadRecordSchema = z
  .object({
    type: z.literal("overhead"),
    /** Seconds the averages cover (the signed window, or less early in the run). */
    windowSec: z.number().min(0).max(86_400),
    cpuPercent: percent,
    bpfPercent: percent,
    bpftracePercent: percent,
    budgetPercent: percent,
    /** Events (program runs) per second over the window, all programs together. */
    eventsPerSec: z.number().min(0),
    programs: z.array(programOverheadSchema).max(10_000),
  })
  .strict();
export type OverheadRecord = z.infer<typeof overheadRecordSchema>;

/** Frames `fromSeq`..`toSeq` were dropped (the agent's buffer was full, or the server refused them); why in `reason`. */
const gapRecordSchema = z
  .object({ type: z.literal("gap"), fromSeq: seq, toSeq: seq, frames: count, reason: z.string().max(2000) })
  .strict()
  .refine((gap) => gap.fromSeq <= gap.toSeq, "a gap's fromSeq is at most its toSeq");
export type GapRecord = z.infer<typeof gapRecordSchema>;

/** A record bpftrace printed that was too large to carry; what it was, and its size. */
const oversizedRecordSchema = z.object({ type: z.literal("oversized"), recordType: z.string().min(1).max(40), bytes: count }).strict();
export type OversizedRecord = z.infer<typeof oversizedRecordSchema>;

export const AGENT_RECORD_TYPES = ["overhead", "gap", "oversized"] as const;
const agentRecordSchema = z.discriminatedUnion("type", [overheadRecordSchema, gapRecordSchema, oversizedRecordSchema]);
export type AgentRecord = z.infer<typeof agentRecordSchema>;

const frameRecordSchema = z.union([outputRecordSchema, agentRecordSchema]);
export type FrameRecord = z.infer<typeof frameRecordSchema>;

/** A frame's fields; frameSchema below adds the rule that ties `delta` to `record`. */
export const frameObjectSchema = z
  .object({
    runId: z.string().min(1).max(64),
    seq,
    /** Milliseconds since the Unix epoch, on the agent's clock, when the agent read the record. */
    at: z.int().min(0).max(MAX_FRAME_TIME_MS),
    record: frameRecordSchema,
    /**
     * For `hist` records of a program that prints running totals: what happened
     * since the previous print of the same map (HistDeltaTracker). Absent when
     * the record itself is that: the first print, a map the program clears, or
     * a print after the map was cleared.
     */
    delta: histRecordSchema.optional(),
  })
  .strict();

/** A delta belongs to a hist record of the same map. */
export function deltaMatchesRecord(frame: { record: { type: string; map?: unknown }; delta?: { map: string } }): boolean {
  return !frame.delta || (frame.record.type === "hist" && frame.record.map === frame.delta.map);
}
export const deltaRule = { path: ["delta"], message: "a delta belongs to a hist record of the same map" };

export const frameSchema = frameObjectSchema.refine(deltaMatchesRecord, deltaRule);

/**
 * Whether a frame has its documented shape. Every frame is checked before it
 * is stored; readers of what was stored earlier (before that check existed)
 * ask this before they take a record apart, so they never fail on it.
 */
export function isWellFormedFrame(frame: unknown): boolean {
  return frameSchema.safeParse(frame).success;
}
export type Frame = z.infer<typeof frameSchema>;

/** Upper bound on one serialized frame; bigger records become an `oversized` record. */
export const MAX_FRAME_BYTES = 256 * 1024;
export const MAX_FRAMES_PER_BATCH = 500;

/** Frames of one run, in increasing seq order: what a batch from an agent or a replay upload must be. */
export function framesInOrder(frames: readonly { seq: number }[]): boolean {
  return frames.every((frame, i) => i === 0 || frame.seq > frames[i - 1]!.seq);
}
/** Upper bound on one serialized batch, below the server's socket message limit. */
export const MAX_BATCH_BYTES = 1024 * 1024;
