import "server-only";
import type { Frame } from "@/lib/shared/frame.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { listFrames } from "@/lib/server/frames/frame-store.ts";
import { getRunView } from "@/lib/server/data/runs.ts";
import { logError } from "@/lib/server/log.ts";
import { getMetrics, type WorkbenchMetrics } from "@/lib/server/metrics/registry.ts";

// What the SRE views need from the realtime server beyond the agent's frames:
// the Prometheus metrics (live histograms, sockets, relay latency) and the
// frames of replays, which arrive over HTTP in another module graph and are
// announced by a NOTIFY instead of the agent socket.

export type SreFeed = {
  metrics: WorkbenchMetrics;
  /** An agent's frames were stored. */
  onAgentFrames(runId: string, frames: readonly Frame[]): void;
  /** Frames reached the viewers of a run. */
  onRelayed(frames: readonly Frame[]): void;
  /** A replay upload stored frames fromSeq..toSeq: read them and hand them to `push` (the relay). */
  onReplayFramesStored(event: { runId: string; fromSeq: number; toSeq: number }): void;
  onRunState(runId: string, status: "QUEUED" | "RUNNING" | "ENDED"): void;
};

export function createSreFeed(deps: {
  db: Db;
  push: (runId: string, frames: Frame[]) => void;
  agents: () => number;
  viewers: () => number;
}): SreFeed {
  const metrics = getMetrics();
  metrics.setSocketCounters({ agents: deps.agents, viewers: deps.viewers });
  metrics.setLabelResolver(async (runId) => {
    const run = await getRunView(deps.db, runId);
    if (!run || run.status === "ENDED") return null;
    return run.kind === "REPLAY"
      ? { run: run.id, host: run.hostName, program: run.replay.name, source: "replay" }
      : { run: run.id, host: run.hostName, program: run.program.name, source: "live" };
  });
  return {
    metrics,
    onAgentFrames: (runId, frames) => metrics.onFramesStored(runId, frames, "agent"),
    onRelayed: (frames) => metrics.onFramesRelayed(frames),
    onReplayFramesStored(event) {
      const limit = Math.min(5000, event.toSeq - event.fromSeq + 1);
      listFrames(deps.db, event.runId, { afterSeq: event.fromSeq - 1, limit }).then(
        (frames) => {
          metrics.onFramesStored(event.runId, frames, "replay");
          deps.push(event.runId, frames);
        },
        (error: unknown) => logError("could not relay a replay's frames", error, { runId: event.runId }),
      );
    },
    onRunState(runId, status) {
      if (status === "ENDED") metrics.onRunEnded(runId);
    },
  };
}
