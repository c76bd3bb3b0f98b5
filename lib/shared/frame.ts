// A frame is one record of a run, numbered by the agent: a record bpftrace
// printed, or one the agent adds about the run itself (its measured overhead,
// a gap in the frames). The agent assigns `seq` (1, 2, 3, ... per run) and
// never reuses one; the server stores frames keyed by (runId, seq), so a frame
// delivered twice is stored once. Documented in docs/frames.md.
import { z } from "zod";
import type { HistRecord, OutputRecord } from "./bpftrace/records.ts";

/** One BPF program of a run, over the last sample interval. */
export type ProgramOverhead = {
  /** The kernel's program id (`bpftool prog show id N`). */
  id: number;
  /** bpftrace names programs after their probe; null when the agent could not ask (no bpftool). */
  name: string | null;
  /** BPF program type number as the kernel reports it (5: tracepoint, 7: perf_event, ...). */
  type: number;
  /** Times it ran in the interval. */
  events: number;
  /** Average kernel time per run, in nanoseconds; null when it did not run. */
  nsPerEvent: number | null;
};

/**
 * The run's CPU cost as the agent measured it, streamed every few seconds:
 * BPF programs' kernel run time (`run_time_ns`, with kernel.bpf_stats_enabled)
 * plus bpftrace's own user and system CPU, as % of one CPU.
 */
export type OverheadRecord = {
  type: "overhead";
  /** Seconds the averages cover (the signed window, or less early in the run). */
  windowSec: number;
  cpuPercent: number;
  bpfPercent: number;
  bpftracePercent: number;
  budgetPercent: number;
  /** Events (program runs) per second over the window, all programs together. */
  eventsPerSec: number;
  programs: ProgramOverhead[];
};

/** Frames `fromSeq`..`toSeq` were dropped (the agent's buffer was full while the server was away). */
export type GapRecord = { type: "gap"; fromSeq: number; toSeq: number; frames: number; reason: string };

/** A record bpftrace printed that was too large to carry; what it was, and its size. */
export type OversizedRecord = { type: "oversized"; recordType: string; bytes: number };

export type AgentRecord = OverheadRecord | GapRecord | OversizedRecord;
export const AGENT_RECORD_TYPES = ["overhead", "gap", "oversized"] as const;

export type FrameRecord = OutputRecord | AgentRecord;

export type Frame = {
  runId: string;
  seq: number;
  /** Milliseconds since the Unix epoch, on the agent's clock, when the agent read the record. */
  at: number;
  record: FrameRecord;
  /**
   * For `hist` records of a program that prints running totals: what happened
   * since the previous print of the same map (HistDeltaTracker). Absent when
   * the record itself is that: the first print, a map the program clears, or
   * a print after the map was cleared.
   */
  delta?: HistRecord;
};

/** Upper bound on one serialized frame; bigger records become an `oversized` record. */
export const MAX_FRAME_BYTES = 256 * 1024;
export const MAX_FRAMES_PER_BATCH = 500;
/** Upper bound on one serialized batch, below the server's socket message limit. */
export const MAX_BATCH_BYTES = 1024 * 1024;

export const frameSchema = z
  .object({
    runId: z.string().min(1).max(64),
    seq: z.number().int().positive(),
    at: z.number().int().nonnegative(),
    // Records are validated by shape in lib/shared/bpftrace/records.ts.
    record: z.object({ type: z.string().min(1).max(40) }).passthrough(),
    delta: z.object({ type: z.literal("hist") }).passthrough().optional(),
  })
  .strict();
