import "server-only";
import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { AGENT_NAMESPACE, LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import { MAX_FRAME_BYTES, MAX_FRAMES_PER_BATCH } from "@/lib/shared/frame.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { createHotPathPool } from "@/lib/server/db/hot-path-pool.ts";
import type { WorkbenchEvent } from "@/lib/server/data/notify.ts";
import { listRunSnapshots } from "@/lib/server/data/run-snapshots.ts";
import { FrameGroupCommit, type StoredFrames } from "@/lib/server/frames/group-commit.ts";
import { pruneRunFrames } from "@/lib/server/frames/prune-run-frames.ts";
import { RunDirectory } from "@/lib/server/frames/run-directory.ts";
import { ViewerRelay } from "@/lib/server/frames/viewer-relay.ts";
import { logError, logInfo } from "@/lib/server/log.ts";
import { expireQueuedRuns } from "@/lib/server/use-cases/expire-queued-runs.ts";
import { expirePendingRevisions } from "@/lib/server/use-cases/expire-pending-revisions.ts";
import { endAbandonedReplays } from "@/lib/server/use-cases/end-abandoned-replays.ts";
import { decideRollouts } from "@/lib/server/use-cases/decide-rollouts.ts";
import { loadKeyring, keyringDepsFromEnv, type KeyringDeps } from "@/lib/server/signing/keyring.ts";
import { hostRoom, setUpAgentNamespace, type AgentNamespace } from "./agent-namespace.ts";
import { handleAgentEvent } from "./agent-events.ts";
import { BatchLoader } from "./batch-loader.ts";
import { connectClusterAdapter, type ClusterLink } from "./cluster-adapter.ts";
import { EventListener } from "./event-listener.ts";
import { liveRelayDeps, setUpLiveNamespace, type LiveNamespace } from "./live-namespace.ts";
import { createSreFeed } from "./sre-feed.ts";

export type RealtimeOptions = {
  db: Db;
  databaseUrl: string;
  /** Frames wait at most this long for company before a viewer's message goes out (default 20 ms). */
  relayWindowMs?: number;
  expirySweepMs?: number;
  /** WORKBENCH_FRAME_RETENTION_DAYS; without it (or 0) no frames are deleted. */
  frameRetentionDays?: number;
  /** The signing keyring (default: from the environment; none for tools and tests without one). */
  keyring?: KeyringDeps;
  /** WORKBENCH_REDIS_URL: with it, this process is one of several sharing sockets' rooms and frames through Redis. */
  redisUrl?: string;
  /** WORKBENCH_REDIS_CHANNEL_PREFIX. */
  redisChannelPrefix?: string;
  /** Connections of the frame path's own pool (WORKBENCH_HOT_PATH_POOL_SIZE). */
  hotPathPoolSize?: number;
  /** How often undecided canaries are looked at (default 1 s). */
  canarySweepMs?: number;
};

export type Realtime = { io: Server; dispose(): Promise<void> };

/** How often every live socket's session is read again (sessions also end by age, without an event). */
const SESSION_RECHECK_MS = 30_000;

/**
 * socket.io on the app's HTTP server: agents on /agent, browsers on /live.
 * Frames go from the agents' sockets through the group commit into
 * PostgreSQL, and from there (and, with Redis, from every other process) to
 * the viewers' relay. State changes come in as PostgreSQL NOTIFY events,
 * which every process hears; each acts on its own sockets only.
 */
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
  const cluster: ClusterLink | undefined = options.redisUrl ? await connectClusterAdapter(io, options.redisUrl, options.redisChannelPrefix ?? "workbench") : undefined;
  const agents = io.of(AGENT_NAMESPACE) as AgentNamespace;
  const live = io.of(LIVE_NAMESPACE) as LiveNamespace;

  const pool = createHotPathPool({ databaseUrl: options.databaseUrl, size: options.hotPathPoolSize ?? 3, statementTimeoutMs: 10_000 });
  const directory = new RunDirectory(pool);
  const relay = new ViewerRelay({ ...liveRelayDeps(live), onRelayed: (frames) => sre.onRelayed(frames) }, { windowMs: options.relayWindowMs });
  const sre = createSreFeed({ db, push: (items) => relay.push(items), agents: () => agents.sockets.size, viewers: () => live.sockets.size });
  /** Frames stored anywhere: to this process's viewers and metrics. */
  const onStored = (items: StoredFrames[]) => {
    relay.push(items);
    sre.onAgentFrames(items);
  };
  const commit = new FrameGroupCommit({
    db,
    pool,
    onStored: (items) => {
      onStored(items);
      cluster?.publishFrames(items);
    },
  });
  cluster?.onFrames(onStored);
  setUpAgentNamespace(agents, { db, frames: { directory, commit } });
  const viewers = setUpLiveNamespace(live, { db, relay });

  // A run's state is read only when someone here watches it (or its metrics must hear of its end), and a
  // fleet's runs changing together are read together.
  const states = new BatchLoader<string, null>(async (runIds) => {
    const snapshots = await listRunSnapshots(db, { ids: runIds });
    relay.pushStates(snapshots.map((snapshot) => ({ batchId: snapshot.origin.kind === "live" ? snapshot.origin.batchId : null, snapshot })));
    for (const snapshot of snapshots) sre.onRunState(snapshot.id, snapshot.status);
    return new Map();
  });
  const publishRunState = async (runId: string) => {
    const route = await directory.find(runId);
    if (!route) return;
    if (relay.isWatched(runId, route.batchId) || sre.tracks(runId)) await states.load(runId);
  };

  const onEvent = (event: WorkbenchEvent) => {
    switch (event.type) {
      case "runs.queued":
        agents.local.to(event.hostIds.map(hostRoom)).emit("orders:available");
        break;
      case "run.stop-requested":
        agents.local.to(hostRoom(event.hostId)).emit("run:stop", { runId: event.runId, reason: event.reason, cause: event.cause });
        break;
      case "run.changed":
        publishRunState(event.runId).catch((error: unknown) => logError("could not publish run state", error));
        break;
      case "run.frames-stored":
        sre.onReplayFramesStored(event);
        break;
      case "user.access-changed":
        viewers.recheckUser(event.userId).catch((error: unknown) => logError("could not re-check a user's live sockets", error));
        break;
      default:
        // Key rotations, dry runs, revoked hosts (lib/server/realtime/agent-events.ts).
        handleAgentEvent(agents, event, { db, keyring });
    }
  };
  // After a gap in notifications, tell every agent to pull: orders queued meanwhile are not lost.
  const listener = new EventListener(options.databaseUrl, onEvent, () => {
    agents.local.emit("orders:available");
    void viewers.recheckAll();
  });
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
  const sessions = setInterval(() => void viewers.recheckAll().catch(() => {}), SESSION_RECHECK_MS);
  sessions.unref();
  // Canary decisions (docs/run-order.md, "Canary"): every process looks, one decides each rollout (row lock, conditional update).
  let deciding: Promise<unknown> | undefined;
  const canaries = setInterval(() => {
    deciding ??= decideRollouts(db)
      .catch((error: unknown) => logError("canary decision sweep failed", error))
      .finally(() => (deciding = undefined));
  }, options.canarySweepMs ?? 1_000);
  canaries.unref();

  logInfo("realtime ready", { path: SOCKET_PATH, namespaces: [AGENT_NAMESPACE, LIVE_NAMESPACE], cluster: cluster ? "redis" : "single process" });
  return {
    io,
    async dispose() {
      clearInterval(sweep);
      clearInterval(sessions);
      clearInterval(canaries);
      await deciding;
      stopPruning.abort();
      await pruning;
      await listener.dispose();
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      // Batches already taken are answered before the pool closes (their agents are gone, but nothing is half-done).
      await commit.idle();
      relay.dispose();
      await pool.end();
      await cluster?.close();
    },
  };
}
