import "server-only";
import { z } from "zod";
import { compareHistograms, type HistogramComparison } from "@/lib/views/compare-histograms.ts";
import { inferUnit, type HistogramBucket, type HistogramUnit } from "@/lib/shared/histogram.ts";
import { BucketAxes } from "@/lib/views/run-timeline/bucket-axis.ts";
import { RunTimeline } from "@/lib/views/run-timeline/run-timeline.ts";
import { mergedTotal } from "@/lib/views/run-timeline/merge-runs.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listHistFramesOfMap, listHistMapNames } from "@/lib/server/frames/frame-history.ts";
import { getRunView, type RunView } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";

/** Runs on one side of a comparison: one run, several hosts' runs merged, optionally a time range of each. */
export type ComparisonSide = { runIds: string[]; fromSec?: number; toSec?: number };

const MAX_RUNS_PER_SIDE = 100;
const runIdList = z
  .string()
  .trim()
  .min(1, "name at least one run")
  .transform((value) =>
    value
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1).max(64)).min(1, "name at least one run").max(MAX_RUNS_PER_SIDE, `at most ${MAX_RUNS_PER_SIDE} runs per side`));
const seconds = z.coerce
  .number()
  .min(0, "a time range starts at 0 s or later")
  .max(7 * 86_400)
  .optional();

/** Query of GET /api/runs/comparison: `a` and `b` are comma-separated run ids; times are seconds since each run started. */
export const compareRunsQuerySchema = z
  .object({
    a: runIdList,
    b: runIdList,
    map: z.string().min(1).max(256).optional(),
    key: z.string().max(1000).optional(),
    aFrom: seconds,
    aTo: seconds,
    bFrom: seconds,
    bTo: seconds,
  })
  .refine((q) => q.aFrom === undefined || q.aTo === undefined || q.aFrom < q.aTo, { message: "aFrom must be before aTo", path: ["aFrom"] })
  .refine((q) => q.bFrom === undefined || q.bTo === undefined || q.bFrom < q.bTo, { message: "bFrom must be before bTo", path: ["bFrom"] });

export type ComparedSide = {
  label: string;
  runs: { id: string; hostName: string; replay: boolean }[];
  fromSec: number | null;
  toSec: number | null;
  buckets: HistogramBucket[];
};

export type RunComparison = {
  /** Histogram maps printed by the runs of both sides; `map` is one of them. */
  maps: string[];
  map: string | null;
  /** null: every key of the map summed. */
  key: string | null;
  unit: HistogramUnit;
  a: ComparedSide;
  b: ComparedSide;
  comparison: HistogramComparison | null;
};

function describeSide(runs: RunView[], side: ComparisonSide): string {
  const what = runs.length === 1 ? `run ${runs[0]!.id.slice(0, 8)} on ${runs[0]!.hostName}` : `${runs.length} runs (${runs.map((r) => r.hostName).join(", ")})`;
  const range = side.fromSec !== undefined || side.toSec !== undefined ? `, ${side.fromSec ?? 0}–${side.toSec ?? "end"} s` : "";
  return `${what}${range}`;
}

async function loadRuns(db: Db, runIds: string[]): Promise<RunView[]> {
  const runs = await Promise.all(runIds.map((id) => getRunView(db, id)));
  const missing = runIds.filter((_, i) => !runs[i]);
  if (missing.length) throw new AppError("NOT_FOUND", `No such run: ${missing.join(", ")}.`);
  return runs as RunView[];
}

/** One side's histogram: each run's prints in its range (relative to its own start), summed over runs and keys. */
async function sideHistogram(db: Db, runs: RunView[], side: ComparisonSide, map: string, key: string | null | undefined): Promise<HistogramBucket[]> {
  const axes = new BucketAxes();
  const timelines: RunTimeline[] = [];
  for (const run of runs) {
    const start = (run.startedAt ?? run.createdAt).getTime();
    const from = side.fromSec === undefined ? undefined : new Date(start + side.fromSec * 1000);
    const to = side.toSec === undefined ? undefined : new Date(start + side.toSec * 1000);
    const timeline = new RunTimeline(run.id, axes);
    for (const frame of await listHistFramesOfMap(db, run.id, map, { from, to })) timeline.ingest(frame);
    timelines.push(timeline);
  }
  const ranged = side.fromSec !== undefined || side.toSec !== undefined;
  const keys = new Set<string | null>();
  for (const timeline of timelines) for (const k of timeline.maps.get(map)?.keys() ?? []) keys.add(k);
  const selected = key === undefined ? [...keys] : [key];
  let dense = new Float64Array(0);
  for (const k of selected) {
    // A range counts only the intervals printed inside it; otherwise the whole run, with its running total.
    const total = mergedTotal(timelines, map, k, Infinity, ranged ? -Infinity : undefined);
    if (total.length > dense.length) {
      const grown = new Float64Array(total.length);
      grown.set(dense);
      dense = grown;
    }
    total.forEach((count, id) => (dense[id]! += count));
  }
  return axes.of(map).toBuckets(dense);
}

/**
 * Compares two sides (incident against baseline, or two time ranges of one
 * run): both histograms, each percentile's shift, and a chi-square test of
 * homogeneity over the bucket counts (lib/views/compare-histograms.ts).
 */
export async function compareRuns(
  db: Db,
  actor: Actor,
  input: { a: ComparisonSide; b: ComparisonSide; map?: string; key?: string | null; labels?: { a: string; b: string } },
): Promise<RunComparison> {
  authorize(actor, "run.read");
  const [runsA, runsB] = await Promise.all([loadRuns(db, input.a.runIds), loadRuns(db, input.b.runIds)]);
  const maps = await listHistMapNames(db, [...new Set([...input.a.runIds, ...input.b.runIds])]);
  const map = input.map ?? maps[0] ?? null;
  if (input.map !== undefined && !maps.includes(input.map)) {
    throw new AppError("UNPROCESSABLE", `None of these runs printed a histogram called ${input.map}.`);
  }
  const unit = map ? inferUnit(map) : "none";
  const side = async (runs: RunView[], spec: ComparisonSide, fallback: string): Promise<ComparedSide> => ({
    label: input.labels ? fallback : describeSide(runs, spec),
    runs: runs.map((run) => ({ id: run.id, hostName: run.hostName, replay: run.kind === "REPLAY" })),
    fromSec: spec.fromSec ?? null,
    toSec: spec.toSec ?? null,
    buckets: map ? await sideHistogram(db, runs, spec, map, input.key) : [],
  });
  const [a, b] = await Promise.all([side(runsA, input.a, input.labels?.a ?? "A"), side(runsB, input.b, input.labels?.b ?? "B")]);
  return {
    maps,
    map,
    key: input.key ?? null,
    unit,
    a,
    b,
    comparison: map ? compareHistograms(a.buckets, b.buckets, unit, { a: a.label, b: b.label }) : null,
  };
}
