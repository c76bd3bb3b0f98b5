// The workload of the SRE views benchmark, shared by its Node half (model
// cost) and its browser half (model + canvas cost): N hosts each printing a
// cumulative @usecs histogram once a second (with the agent's delta) and an
// overhead sample every 2 s; every simulated second the view folds the new
// frames in and recomputes what the page shows: the merged whole-run
// histogram, one histogram per host, the merged heatmap of the last 5
// minutes, and each host's status.
import type { Frame } from "@/lib/shared/frame.ts";
import { BucketAxes } from "@/lib/views/run-timeline/bucket-axis.ts";
import { RunTimeline } from "@/lib/views/run-timeline/run-timeline.ts";
import { ALL_KEYS, heatmapAt, histogramAt, hostStatus, type Selection } from "@/components/runs/view-model.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";

const SHAPE = [2, 620, 14, 5, 2, 1, 1, 0, 1];

function buckets(second: number, host: number) {
  return SHAPE.map((perSecond, i) => {
    const min = 512 * 2 ** i;
    // Hosts differ a little, and the tail moves with time, so every redraw has something new.
    const jitter = 1 + ((host * 7 + i + (second % 13)) % 5) / 20;
    return { min, max: min * 2 - 1, count: Math.round(perSecond * second * jitter) };
  });
}

export function framesAt(runId: string, host: number, second: number, start: number): Frame[] {
  const now = buckets(second, host);
  const before = second > 1 ? buckets(second - 1, host) : null;
  const frames: Frame[] = [
    {
      runId,
      seq: second * 2 - 1,
      at: start + second * 1000 + host,
      record: { type: "hist", map: "@usecs", series: [{ key: null, buckets: now, total: 0 }] },
      ...(before
        ? {
            delta: {
              type: "hist" as const,
              map: "@usecs",
              series: [{ key: null, buckets: now.map((b, i) => ({ ...b, count: Math.max(0, b.count - before[i]!.count) })), total: 0 }],
            },
          }
        : {}),
    },
  ];
  if (second % 2 === 0) {
    frames.push({
      runId,
      seq: second * 2,
      at: start + second * 1000 + host + 1,
      record: { type: "overhead", windowSec: 5, cpuPercent: 0.3, bpfPercent: 0.1, bpftracePercent: 0.2, budgetPercent: 1, eventsPerSec: 1300, programs: [] },
    });
  }
  return frames;
}

export type Workspace = { axes: BucketAxes; runs: RunTimeline[]; snapshots: RunSnapshotWithOrigin[]; start: number };

export function createWorkspace(hosts: number, start: number): Workspace {
  const axes = new BucketAxes();
  const runs = Array.from({ length: hosts }, (_, i) => new RunTimeline(`run-${i}`, axes));
  const snapshots = runs.map((run, i) => ({
    id: run.runId,
    hostName: `host-${i}`,
    programId: "p",
    programName: "bench",
    revisionNumber: 1,
    status: "RUNNING" as const,
    endReason: null,
    endDetail: null,
    durationSec: 3600,
    createdAt: new Date(start).toISOString(),
    startedAt: new Date(start).toISOString(),
    endedAt: null,
    expiresAt: new Date(start + 7_200_000).toISOString(),
    stopRequestedAt: null,
    stopRequestedBy: null,
    lastSeq: 0,
    framesPrunedAt: null,
    origin: { kind: "live" as const, batchId: "b" },
  }));
  return { axes, runs, snapshots, start };
}

const SELECTION: Selection = { map: "@usecs", key: ALL_KEYS, mode: "whole", unit: "auto" };

/** One second of the live view: fold the hosts' new frames in, then compute everything the page draws. */
export function viewSecond(workspace: Workspace, second: number) {
  workspace.runs.forEach((run, host) => {
    for (const frame of framesAt(run.runId, host, second, workspace.start)) run.ingest(frame);
  });
  const selection = { ...SELECTION, key: null };
  const merged = histogramAt(workspace.runs, workspace.axes, selection, Infinity, 1000);
  const perHost = workspace.runs.map((run) => histogramAt([run], workspace.axes, selection, Infinity, 1000));
  const heatmap = heatmapAt(workspace.runs, workspace.runs, workspace.axes, selection, Infinity, 300_000);
  const now = workspace.start + second * 1000 + 500;
  const statuses = workspace.runs.map((run, i) => hostStatus(workspace.snapshots[i]!, run, Infinity, now, 1000));
  return { merged, perHost, heatmap: heatmap!, statuses };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
