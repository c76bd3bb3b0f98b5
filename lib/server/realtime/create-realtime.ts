import "server-only";
import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { AGENT_NAMESPACE, LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/socket-events.ts";
import { MAX_FRAME_BYTES, MAX_FRAMES_PER_BATCH } from "@/lib/shared/frame.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { WorkbenchEvent } from "@/lib/server/data/notify.ts";
import { getRunView } from "@/lib/server/data/runs.ts";
import { logError, logInfo } from "@/lib/server/log.ts";
import { expireQueuedRuns } from "@/lib/server/use-cases/expire-queued-runs.ts";
import { expirePendingRevisions } from "@/lib/server/use-cases/expire-pending-revisions.ts";
import { endAbandonedReplays } from "@/lib/server/use-cases/end-abandoned-replays.ts";
import { pruneRunFrames } from "@/lib/server/frames/prune-run-frames.ts";
import { toRunSnapshot } from "@/lib/server/use-cases/watch-run.ts";
import { loadKeyring, keyringDepsFromEnv, type KeyringDeps } from "@/lib/server/signing/keyring.ts";
import { hostRoom, setUpAgentNamespace, type AgentNamespace } from "./agent-namespace.ts";
import { handleAgentEvent } from "./agent-events.ts";
import { EventListener } from "./event-listener.ts";
import { FrameRelay } from "@/lib/server/frames/viewer-relay.ts";
import { runRoom, setUpLiveNamespace, type LiveNamespace } from "./live-namespace.ts";
import { createSreFeed } from "./sre-feed.ts";

export type RealtimeOptions = {
  db: Db;
  databaseUrl: string;
  /** Frames are relayed to viewers in batches at most this often. */
  relayWindowMs?: number;
  expirySweepMs?: number;
  /** WORKBENCH_FRAME_RETENTION_DAYS; without it (or 0) no frames are deleted. */
  frameRetentionDays?: number;
  /** The signing keyring (default: from the environment; none for tools and tests without one). */
  keyring?: KeyringDeps;
};

export type Realtime = { io: Server; dispose(): Promise<void> };

/** socket.io on the app's HTTP server: agents on /agent, browsers on /live. */
export async function createRealtime(httpServer: HttpServer, options: RealtimeOptions): Promise<Realtime> {
  const { db } = options;
  const keyring = options.keyring ?? keyringDepsFromEnv();
  // Sign with the keyring's active key (after rotations), not only the configured one.
  if (keyring) await loadKeyring(db, keyring);
  const io = new Server(httpServer, {
    path: SOCKET_PATH,
    serveClient: false,
    // A frame batch is the largest message; anything bigger is refused by socket.io itself.
    maxHttpBufferSize: MAX_FRAME_BYTES * 4 + MAX_FRAMES_PER_BATCH * 1024,
    // Leave other upgrade requests (Next's dev reload socket) to Next.
    destroyUpgrade: false,
  });
  const agents = io.of(AGENT_NAMESPACE) as AgentNamespace;
  const live = io.of(LIVE_NAMESPACE) as LiveNamespace;

  const relay = new FrameRelay((runId, frames) => {
    live.to(runRoom(runId)).emit("run:frames", { runId, frames });
    sre.onRelayed(frames);
  }, options.relayWindowMs);
  // Metrics for /metrics, and replay uploads' frames (lib/server/realtime/sre-feed.ts).
  const sre = createSreFeed({ db, push: (runId, frames) => relay.push(runId, frames), agents: () => agents.sockets.size, viewers: () => live.sockets.size });
  setUpAgentNamespace(agents, {
    db,
    onFramesStored: (batch) => {
      relay.push(batch.runId, batch.frames);
      sre.onAgentFrames(batch.runId, batch.frames);
    },
  });
  setUpLiveNamespace(live, { db });

  const publishRunState = async (runId: string) => {
    relay.flush(); // frames before the state change reach viewers first
    const run = await getRunView(db, runId);
    if (run) live.to(runRoom(runId)).emit("run:state", toRunSnapshot(run));
    if (run) sre.onRunState(runId, run.status);
  };

  const onEvent = (event: WorkbenchEvent) => {
    switch (event.type) {
      case "run.queued":
        agents.to(hostRoom(event.hostId)).emit("orders:available");
        break;
      case "run.stop-requested":
        agents.to(hostRoom(event.hostId)).emit("run:stop", { runId: event.runId, reason: event.reason, cause: event.cause });
        break;
      case "run.changed":
        publishRunState(event.runId).catch((error: unknown) => logError("could not publish run state", error));
        break;
      case "run.frames-stored":
        sre.onReplayFramesStored(event);
        break;
      default:
        // Key rotations, dry runs, revoked hosts (lib/server/realtime/agent-events.ts).
        handleAgentEvent(agents, event, { db, keyring });
    }
  };
  // After a gap in notifications, tell every agent to pull: orders queued meanwhile are not lost.
  const listener = new EventListener(options.databaseUrl, onEvent, () => agents.emit("orders:available"));
  await listener.start();

  // Deleting old frames can outlast one period: a sweep starts only when the previous one ended.
  const stopPruning = new AbortController();
  let pruning: Promise<void> | undefined;
  const sweep = setInterval(() => {
    expireQueuedRuns(db).catch((error: unknown) => logError("expiry sweep failed", error));
    expirePendingRevisions(db).catch((error: unknown) => logError("review window sweep failed", error));
    endAbandonedReplays(db).catch((error: unknown) => logError("abandoned replay sweep failed", error));
    if (options.frameRetentionDays && !pruning) {
      pruning = pruneRunFrames(db, { retentionDays: options.frameRetentionDays, signal: stopPruning.signal })
        .then((pruned) => {
          if (pruned.frames > 0) logInfo("deleted frames past their retention", pruned);
        })
        .catch((error: unknown) => logError("frame retention sweep failed", error))
        .finally(() => (pruning = undefined));
    }
  }, options.expirySweepMs ?? 15_000);
  sweep.unref();

  logInfo("realtime ready", { path: SOCKET_PATH, namespaces: [AGENT_NAMESPACE, LIVE_NAMESPACE] });
  return {
    io,
    async dispose() {
      clearInterval(sweep);
      stopPruning.abort();
      await pruning;
      relay.dispose();
      await listener.dispose();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
