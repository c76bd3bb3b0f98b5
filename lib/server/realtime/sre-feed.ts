import "server-only";
import type { Frame } from "@/lib/shared/frame.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { listRunSnapshots } from "@/lib/server/data/run-snapshots.ts";
import { listFrames } from "@/lib/server/frames/frame-reads.ts";
import type { StoredFrames } from "@/lib/server/frames/group-commit.ts";
import { logError } from "@/lib/server/log.ts";
import { getMetrics, type WorkbenchMetrics } from "@/lib/server/metrics/registry.ts";
import { BatchLoader } from "./batch-loader.ts";

// What the SRE views need from the realtime server beyond the agents' frames:
// the Prometheus metrics (live histograms, sockets, relay latency) and the
// frames of replays, which arrive over HTTP in another module graph and are
// announced by a NOTIFY instead of the agent socket.

export type SreFeed = {
  metrics: WorkbenchMetrics;
  /** Agents' frames were stored, by this process or another. */
  onAgentFrames(items: readonly StoredFrames[]): void;
  /** Frames reached the viewers of a run. */
  onRelayed(frames: readonly Frame[]): void;
  /** A replay upload stored frames fromSeq..toSeq: read them and hand them to `push` (the relay). */
  onReplayFramesStored(event: { runId: string; fromSeq: number; toSeq: number }): void;
  /** Whether the metrics hold histograms of this run, and so must hear of its end. */
  tracks(runId: string): boolean;
  onRunState(runId: string, status: "QUEUED" | "RUNNING" | "ENDED"): void;
};

export function createSreFeed(deps: { db: Db; push: (items: StoredFrames[]) => void; agents: () => number; viewers: () => number }): SreFeed {
  const metrics = getMetrics();
  metrics.setSocketCounters({ agents: deps.agents, viewers: deps.viewers });
  // A fleet's runs start within a second: their labels are read together.
  const labels = new BatchLoader<string, { run: string; host: string; program: string; source: "live" | "replay" } | null>(async (runIds) => {
    const snapshots = await listRunSnapshots(deps.db, { ids: runIds });
    return new Map(
      snapshots.map((run) => [
        run.id,
        run.status === "ENDED" ? null : { run: run.id, host: run.hostName, program: run.programName, source: run.origin.kind === "replay" ? "replay" : "live" },
      ]),
    );
  });
  metrics.setLabelResolver(async (runId) => (await labels.load(runId)) ?? null);
  return {
    metrics,
    onAgentFrames(items) {
      for (const item of items) metrics.onFramesStored(item.runId, item.frames, "agent");
    },
    onRelayed: (frames) => metrics.onFramesRelayed(frames),
    onReplayFramesStored(event) {
      const limit = Math.min(5000, event.toSeq - event.fromSeq + 1);
      listFrames(deps.db, event.runId, { afterSeq: event.fromSeq - 1, limit }).then(
        (frames) => {
          metrics.onFramesStored(event.runId, frames, "replay");
          deps.push([{ runId: event.runId, batchId: null, frames }]);
        },
        (error: unknown) => logError("could not relay a replay's frames", error, { runId: event.runId }),
      );
    },
    tracks: (runId) => metrics.liveHistograms.has(runId),
    onRunState(runId, status) {
      if (status === "ENDED") metrics.onRunEnded(runId);
    },
  };
}
