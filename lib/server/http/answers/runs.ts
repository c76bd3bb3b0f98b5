import { z } from "zod";
import { frameObjectSchema } from "@/lib/shared/frame.ts";
import { RolloutState, RunStatus } from "@/lib/server/db/generated/enums.ts";
import { isoDateTime, nullableDateTime } from "./common.ts";

// Answers of /api/runs/*: runs as browsers see them (the run snapshot), their
// frames, batches, canary rollouts, stops, and comparisons (also /api/incidents/{id}/comparison).

const runOrigin = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("live"),
      batchId: z.string().describe("The runbook launch, or else the approval, that signed the run: the runs sharing it are one run of the program on several hosts."),
    }),
    z.object({
      kind: z.literal("replay"),
      name: z.string(),
      uploadedBy: z.string().describe("The name of the user who uploaded the capture."),
      sourceHost: z.string().nullable().describe("The uploader's label for the host the capture was recorded on."),
    }),
  ])
  .describe("Where the run's frames come from: a live run an agent ran under a signed approval, or an uploaded replay. Read it first.");

/** A run as browsers see it (lib/views/run-origin.ts RunSnapshotWithOrigin); shared by every answer that shows runs. */
export const runSnapshot = z.object({
  id: z.string(),
  hostName: z.string().describe("The host it ran on; for a replay, the uploader's label for where it was recorded."),
  programId: z.string().describe('"" for a replay.'),
  programName: z.string().describe("For a replay, the replay's name."),
  revisionNumber: z.number().int().describe("0 for a replay."),
  status: z.enum(RunStatus),
  endReason: z.string().nullable().describe("Why it ended (COMPLETED, STOPPED, DURATION_LIMIT, ...); null until it ends."),
  endDetail: z.string().nullable().describe("The end in words."),
  durationSec: z.number().int().describe("The signed duration; for a replay, how long the capture lasted."),
  createdAt: isoDateTime,
  startedAt: nullableDateTime,
  endedAt: nullableDateTime,
  expiresAt: isoDateTime.describe("A queued run not started by then never starts; a replay's upload counts as abandoned after it."),
  stopRequestedAt: nullableDateTime,
  stopRequestedBy: z.string().nullable().describe("The name of the user who asked it to stop."),
  lastSeq: z.number().int().describe("The highest frame number stored."),
  framesPrunedAt: nullableDateTime.describe("When the retention sweep deleted the run's frames (only a run that had frames says so)."),
  origin: runOrigin,
});

export const runListAnswer = z.object({ runs: z.array(runSnapshot) });

export const runAnswer = z.object({ run: runSnapshot });

export const runBatchAnswer = z.object({
  runs: z.array(runSnapshot).describe("The run first, then the other runs signed with it, by host name; a replay alone."),
});

/**
 * A frame as stored. Frames stored before records were validated in full may
 * hold a record of another shape; they are sent as they were stored.
 */
export const storedFrame = z
  .union([
    frameObjectSchema,
    z.object({
      runId: z.string(),
      seq: z.number().int(),
      at: z.number().int(),
      record: z.unknown().describe("A record stored before records were validated in full: not of a documented shape."),
      delta: z.unknown().optional(),
    }),
  ])
  .describe("A frame (docs/frames.md); `at` is ms since the epoch on the agent's clock.");

export const runFramesAnswer = z.object({
  frames: z.array(storedFrame).describe("In increasing seq order."),
  nextAfterSeq: z.number().int().describe("Pass as `afterSeq` for the next page."),
});

export const runRolloutAnswer = z.object({
  rollout: z
    .object({
      id: z.string(),
      state: z.enum(RolloutState),
      canaryHosts: z.array(z.string()).describe("The canary hosts' names, as signed."),
      periodSec: z.number().int().describe("How long the canary runs before the decision."),
      budgetPercent: z.number().describe("The signed CPU budget (% of one CPU) the canary's measured overhead must stay under."),
      decidedAt: nullableDateTime,
      decision: z.string().nullable().describe("The decision in a sentence, with the canary's figure."),
      canaryCpuPercent: z.number().nullable().describe("The highest overhead the canary hosts measured in their period, % of one CPU; null when none was reported."),
      held: z.number().int().describe("Runs still held behind the canary."),
    })
    .nullable()
    .describe("The canary rollout the run's launch went through; null when it started everywhere at once."),
});

export const stoppedRunAnswer = z.object({
  status: z.enum(["ENDED", "STOPPING"]).describe("ENDED: it was queued and never starts; STOPPING: its agent was asked to stop it."),
});

export const runExportMedia = {
  contentTypes: ["application/x-ndjson; charset=utf-8", "text/csv; charset=utf-8"],
  description: "The run's frames as a download: JSON lines (the first line is { run: snapshot }, then one frame a line) or CSV, as `format` asks.",
} as const;

const jsonIntOrText = z.union([z.number(), z.string()]);

const histogramBucket = z.object({
  min: jsonIntOrText.nullable().describe("Lower bound; null: unbounded. Large integers are strings."),
  max: jsonIntOrText.nullable().describe("Upper bound; null: unbounded."),
  count: jsonIntOrText,
});

const comparedSide = z.object({
  label: z.string(),
  runs: z.array(z.object({ id: z.string(), hostName: z.string(), replay: z.boolean() })),
  fromSec: z.number().nullable().describe("Start of the time range, seconds after each run started; null: from the start."),
  toSec: z.number().nullable().describe("End of the time range; null: to the end."),
  buckets: z.array(histogramBucket).describe("The side's histogram: its runs' prints summed over runs and the selected keys."),
});

const histogramComparison = z.object({
  buckets: z.array(
    z.object({
      min: jsonIntOrText.nullable(),
      max: jsonIntOrText.nullable(),
      a: z.number(),
      b: z.number(),
    }),
  ),
  totalA: z.number(),
  totalB: z.number(),
  shifts: z.array(
    z.object({
      name: z.enum(["p50", "p90", "p99", "max"]),
      a: z.number().nullable(),
      b: z.number().nullable(),
      change: z.number().nullable().describe("b − a, in the histogram's unit."),
      relative: z.number().nullable().describe("b / a − 1 (0.5 = 50% higher); null when a is 0 or either is missing."),
    }),
  ),
  test: z
    .discriminatedUnion("testable", [
      z.object({
        testable: z.literal(true),
        statistic: z.number(),
        degreesOfFreedom: z.number().int(),
        pValue: z.number(),
        groups: z.number().int().describe("Bucket groups after pooling sparse neighbours."),
        cramersV: z.number().describe("Effect size: 0 = same shape, 1 = no overlap."),
        differ: z.boolean().describe("p < 0.01."),
      }),
      z.object({ testable: z.literal(false), reason: z.string() }),
    ])
    .describe("Pearson's chi-square test of homogeneity over the bucket counts."),
  statement: z.string().describe("What moved, and whether it is more than chance, in a sentence or two."),
});

/** A comparison of two sides of runs (lib/server/use-cases/compare-runs.ts RunComparison). */
export const runComparison = z.object({
  maps: z.array(z.string()).describe("Histogram maps printed by the runs of both sides."),
  map: z.string().nullable().describe("The map compared; null when the runs printed no histogram."),
  key: z.string().nullable().describe("The map key compared; null: every key summed."),
  unit: z.enum(["ns", "us", "ms", "s", "none"]),
  a: comparedSide,
  b: comparedSide,
  comparison: histogramComparison.nullable(),
});

export const runComparisonAnswer = runComparison;
