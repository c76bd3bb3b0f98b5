import "server-only";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import type { Server } from "socket.io";
import { z } from "zod";
import { frameSchema } from "@/lib/shared/frame.ts";
import { LIVE_NAMESPACE } from "@/lib/shared/sockets.ts";
import type { StoredFrames } from "@/lib/server/frames/group-commit.ts";
import { logError, logWarn } from "@/lib/server/log.ts";

// Several server processes as one: socket.io's Redis adapter (sharded
// pub/sub, Redis 7) lets each process reach sockets held by the others
// (fetchSockets, broadcasts), and carries the frames each process stores to
// every other one, once per group commit, so each process's viewers see every
// frame whichever process its agent is connected to. State changes do not
// travel here: every process hears them from PostgreSQL (NOTIFY) already.

export type ClusterLink = {
  /** Frames this process stored: to every other process's viewers and metrics. */
  publishFrames(items: StoredFrames[]): void;
  onFrames(handler: (items: StoredFrames[]) => void): void;
  close(): Promise<void>;
};

const FRAMES_EVENT = "frames:stored";

// Another process sent these, through Redis: checked like anything that crosses a wire.
const storedFramesSchema = z.array(z.object({ runId: z.string().min(1).max(64), batchId: z.string().min(1).max(64).nullable(), frames: z.array(frameSchema) }).strict());

export async function connectClusterAdapter(io: Server, redisUrl: string, channelPrefix: string): Promise<ClusterLink> {
  const options = {
    lazyConnect: true,
    // Publishing while Redis is away fails fast instead of queueing without bound; live viewers backfill what they missed.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
    retryStrategy: (attempt: number) => Math.min(5000, 200 * attempt),
  };
  const pub = new Redis(redisUrl, options);
  const sub = new Redis(redisUrl, options);
  for (const client of [pub, sub]) client.on("error", (error: Error) => logWarn("redis connection problem", { error: error.message }));
  await Promise.all([pub.connect(), sub.connect()]);
  // One channel per namespace: rooms here are a run or a host, short-lived and many; a channel each would cost more than it saves.
  io.adapter(createShardedAdapter(pub, sub, { subscriptionMode: "static", channelPrefix }));
  const live = io.of(LIVE_NAMESPACE);
  return {
    publishFrames(items) {
      live.serverSideEmit(FRAMES_EVENT, items);
    },
    onFrames(handler) {
      live.on(FRAMES_EVENT, (payload: unknown) => {
        const parsed = storedFramesSchema.safeParse(payload);
        if (!parsed.success) return logWarn("ignored malformed frames from another server process", { issue: parsed.error.issues[0]?.message });
        try {
          handler(parsed.data);
        } catch (error) {
          logError("handing on another process's frames failed", error);
        }
      });
    },
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
