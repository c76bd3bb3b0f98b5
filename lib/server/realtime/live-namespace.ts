import "server-only";
import type { Namespace, Socket } from "socket.io";
import { batchWatchSchema, runWatchSchema, type LiveClientToServerEvents, type LiveServerToClientEvents } from "@/lib/views/live-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { dbShares } from "@/lib/server/db/db-share.ts";
import { can, type Actor } from "@/lib/server/auth/permissions.ts";
import { actorFromSessionToken, sessionTokenFromCookieHeader } from "@/lib/server/auth/session-token.ts";
import { AppError } from "@/lib/server/errors.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { clientAddress, CLIENT_ADDRESS_HEADER } from "@/lib/server/http/client-address.ts";
import { authenticateApiToken } from "@/lib/server/use-cases/authenticate-api-token.ts";
import { logInfo } from "@/lib/server/log.ts";
import { keyOf, type Backlog, type Subscription, type ViewerRelay, type ViewerRelayDeps } from "@/lib/server/frames/viewer-relay.ts";
import { watchBatch } from "@/lib/server/use-cases/watch-batch.ts";
import { watchRun } from "@/lib/server/use-cases/watch-run.ts";
import { withAck } from "./acks.ts";

/**
 * How the viewer signed in: the browser's session cookie, or an API token with
 * the runs:read scope (the `workbench` terminal client sends it as
 * `auth: { apiToken }`). Kept to read again on every watch and recheck.
 */
type LiveCredential = { kind: "session" | "api-token"; value: string };
type LiveSocketData = { actor: Actor; credential: LiveCredential };
export type LiveNamespace = Namespace<LiveClientToServerEvents, LiveServerToClientEvents, Record<string, never>, LiveSocketData>;
type LiveSocket = Socket<LiveClientToServerEvents, LiveServerToClientEvents, Record<string, never>, LiveSocketData>;

/**
 * What one person may ask of the live server at once. A request (a watch)
 * reads the database; a socket may have a few in flight, a user (all their
 * tabs, on this process) a few more, and a socket may watch a bounded number
 * of runs and batches. Beyond that the answer is TOO_MANY_REQUESTS, at once,
 * without touching the database; and all live snapshots together hold at most
 * their share of the pool (lib/server/db/db-share.ts).
 */
export const LIVE_LIMITS = {
  requestsPerSocket: 4,
  requestsPerUser: 16,
  runsPerSocket: 64,
  batchesPerSocket: 16,
} as const;

export type LiveNamespaceDeps = { db: Db; relay: ViewerRelay };

/** How the relay reaches this namespace's sockets: group messages are encoded once, and never leave this process. */
export function liveRelayDeps(namespace: LiveNamespace): ViewerRelayDeps {
  return {
    emitFrames: (ids, frames) => void namespace.local.to(ids).emit("frames", frames),
    emitStates: (ids, states) => void namespace.local.to(ids).emit("runs:state", states),
    emitResync: (id, missed) => void namespace.local.to(id).emit("live:resync", missed),
    backlog: (id) => backlogOf(namespace.sockets.get(id)),
  };
}

/** Messages socket.io holds for the socket while its WebSocket is busy, and bytes the WebSocket has not sent. */
function backlogOf(socket: LiveSocket | undefined): Backlog {
  if (!socket) return { messages: 0, bytes: 0 };
  const conn = socket.conn as unknown as { writeBuffer?: unknown[]; transport?: { socket?: { bufferedAmount?: number } } };
  return { messages: conn.writeBuffer?.length ?? 0, bytes: conn.transport?.socket?.bufferedAmount ?? 0 };
}

export type LiveNamespaceControl = {
  /** Re-reads the sessions of this user's sockets and disconnects those that ended or lost `run.read`. */
  recheckUser(userId: string): Promise<void>;
  /** The same for every socket (sessions also expire by age). */
  recheckAll(): Promise<void>;
};

export function setUpLiveNamespace(namespace: LiveNamespace, deps: LiveNamespaceDeps): LiveNamespaceControl {
  const { db, relay } = deps;
  const inFlight = { bySocket: new Map<string, number>(), byUser: new Map<string, number>() };
  const socketsByUser = new Map<string, Set<LiveSocket>>();

  // Browsers authenticate with the same session cookie as the pages; the terminal client with an API token.
  namespace.use((socket, next) => {
    const apiToken = (socket.handshake.auth as { apiToken?: unknown } | undefined)?.apiToken;
    const refuse = (message: string, code = "UNAUTHENTICATED") => next(Object.assign(new Error(message), { data: { code } }));
    if (apiToken !== undefined) {
      if (typeof apiToken !== "string") return refuse("auth.apiToken is an API token (a string).");
      const address = clientAddress({ ...socket.handshake.headers, [CLIENT_ADDRESS_HEADER]: socket.handshake.address }, { trustProxy: loadServerEnv().WORKBENCH_TRUST_PROXY });
      authenticateApiToken(db, apiToken, address).then(
        (actor) => {
          if (!can(actor, "run.read")) return refuse("This API token cannot watch runs; it needs the scope runs:read.", "FORBIDDEN");
          socket.data.actor = actor;
          socket.data.credential = { kind: "api-token", value: apiToken };
          next();
        },
        (error: unknown) => refuse(error instanceof AppError ? error.message : "Sign in first."),
      );
      return;
    }
    const token = sessionTokenFromCookieHeader(socket.handshake.headers.cookie);
    actorFromSessionToken(token).then(
      (actor) => {
        if (!actor || !can(actor, "run.read")) return refuse("Sign in first.");
        socket.data.actor = actor;
        socket.data.credential = { kind: "session", value: token! };
        next();
      },
      () => refuse("Sign in first."),
    );
  });

  /** The viewer behind a credential now: null when the session ended, or the token was revoked, expired or its user disabled. */
  const actorOf = async (credential: LiveCredential): Promise<Actor | null> => {
    if (credential.kind === "session") return actorFromSessionToken(credential.value);
    try {
      return await authenticateApiToken(db, credential.value, null);
    } catch (error) {
      if (error instanceof AppError) return null;
      throw error;
    }
  };

  /** Counts a request against the socket's and the user's allowance, or refuses it; returns its release. */
  const admit = (socket: LiveSocket): (() => void) => {
    const userId = socket.data.actor.id;
    const mine = inFlight.bySocket.get(socket.id) ?? 0;
    const theirs = inFlight.byUser.get(userId) ?? 0;
    if (mine >= LIVE_LIMITS.requestsPerSocket)
      throw new AppError("TOO_MANY_REQUESTS", `At most ${LIVE_LIMITS.requestsPerSocket} requests at once on one connection; wait for the answers.`);
    if (theirs >= LIVE_LIMITS.requestsPerUser)
      throw new AppError("TOO_MANY_REQUESTS", `At most ${LIVE_LIMITS.requestsPerUser} live requests at once per person; wait for the answers.`);
    inFlight.bySocket.set(socket.id, mine + 1);
    inFlight.byUser.set(userId, theirs + 1);
    return () => {
      decrement(inFlight.bySocket, socket.id);
      decrement(inFlight.byUser, userId);
    };
  };

  /** Watches one subscription: checks the caps and the session, subscribes first (no frame falls between snapshot and live), then reads the snapshot. */
  const watch = async <T>(socket: LiveSocket, subscription: Subscription, read: (actor: Actor) => Promise<T>): Promise<T> => {
    const release = admit(socket);
    try {
      const counts = countSubscriptions(relay, socket.id, subscription);
      if (counts.exceeded) throw new AppError("TOO_MANY_REQUESTS", counts.exceeded);
      // Re-read the session on every request: a sign-out or role change applies to open sockets too.
      const actor = await actorOf(socket.data.credential);
      if (!actor) {
        socket.disconnect(true);
        throw new AppError("UNAUTHENTICATED", "Your session has ended; sign in again.");
      }
      socket.data.actor = actor;
      relay.watch(socket.id, subscription);
      try {
        return await dbShares().liveSnapshots.run(() => read(actor));
      } catch (error) {
        relay.unwatch(socket.id, subscription);
        throw error;
      }
    } finally {
      release();
    }
  };

  namespace.on("connection", (socket: LiveSocket) => {
    const userId = socket.data.actor.id;
    let userSockets = socketsByUser.get(userId);
    if (!userSockets) socketsByUser.set(userId, (userSockets = new Set()));
    userSockets.add(socket);

    socket.on(
      "run:watch",
      withAck(runWatchSchema, ({ runId }) => watch(socket, { kind: "run", runId }, (actor) => watchRun(db, actor, runId))),
    );
    socket.on(
      "batch:watch",
      withAck(batchWatchSchema, ({ batchId }) => watch(socket, { kind: "batch", batchId }, (actor) => watchBatch(db, actor, batchId))),
    );
    socket.on("run:unwatch", (payload: unknown) => {
      const parsed = runWatchSchema.safeParse(payload);
      if (parsed.success) relay.unwatch(socket.id, { kind: "run", runId: parsed.data.runId });
    });
    socket.on("batch:unwatch", (payload: unknown) => {
      const parsed = batchWatchSchema.safeParse(payload);
      if (parsed.success) relay.unwatch(socket.id, { kind: "batch", batchId: parsed.data.batchId });
    });
    socket.on("disconnect", () => {
      relay.remove(socket.id);
      inFlight.bySocket.delete(socket.id);
      socketsByUser.get(userId)?.delete(socket);
      if (socketsByUser.get(userId)?.size === 0) socketsByUser.delete(userId);
    });
  });

  const recheck = async (sockets: Iterable<LiveSocket>) => {
    // One read per session, however many sockets share it.
    const bySession = new Map<string, LiveSocket[]>();
    for (const socket of sockets) bySession.set(socket.data.credential.value, [...(bySession.get(socket.data.credential.value) ?? []), socket]);
    for (const shared of bySession.values()) {
      const actor = await actorOf(shared[0]!.data.credential).catch(() => undefined);
      if (actor === undefined) continue; // the database did not answer: keep them, check again later
      if (actor && can(actor, "run.read")) {
        for (const socket of shared) socket.data.actor = actor;
        continue;
      }
      for (const socket of shared) {
        logInfo("disconnected a live viewer whose session ended or lost access", { user: socket.data.actor.email });
        socket.disconnect(true);
      }
    }
  };
  return {
    recheckUser: (userId) => recheck([...(socketsByUser.get(userId) ?? [])]),
    recheckAll: () => recheck([...socketsByUser.values()].flatMap((set) => [...set])),
  };
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left <= 0) counts.delete(key);
  else counts.set(key, left);
}

/** Whether watching one more subscription would pass a socket's caps (a subscription it already has always passes). */
function countSubscriptions(relay: ViewerRelay, socketId: string, subscription: Subscription): { exceeded?: string } {
  const held = relay.subscriptionsOf(socketId);
  if (held.some((s) => keyOf(s) === keyOf(subscription))) return {};
  const runs = held.filter((s) => s.kind === "run").length;
  const batches = held.length - runs;
  if (subscription.kind === "run" && runs >= LIVE_LIMITS.runsPerSocket)
    return { exceeded: `One connection watches at most ${LIVE_LIMITS.runsPerSocket} runs; watch their batch instead, or stop watching some.` };
  if (subscription.kind === "batch" && batches >= LIVE_LIMITS.batchesPerSocket) return { exceeded: `One connection watches at most ${LIVE_LIMITS.batchesPerSocket} batches.` };
  return {};
}
