import "server-only";
import type { Namespace, Socket } from "socket.io";
import { runWatchSchema, type LiveClientToServerEvents, type LiveServerToClientEvents } from "@/lib/shared/socket-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { Actor } from "@/lib/server/auth/permissions.ts";
import { actorFromSessionToken, sessionTokenFromCookieHeader } from "@/lib/server/auth/session-token.ts";
import { AppError } from "@/lib/server/errors.ts";
import { watchRun } from "@/lib/server/use-cases/watch-run.ts";
import { withAck } from "./acks.ts";

type LiveSocketData = { actor: Actor; sessionToken: string };
export type LiveNamespace = Namespace<LiveClientToServerEvents, LiveServerToClientEvents, Record<string, never>, LiveSocketData>;
type LiveSocket = Socket<LiveClientToServerEvents, LiveServerToClientEvents, Record<string, never>, LiveSocketData>;

export const runRoom = (runId: string) => `run:${runId}`;

export function setUpLiveNamespace(namespace: LiveNamespace, deps: { db: Db }): void {
  const { db } = deps;

  // Browsers authenticate with the same session cookie as the pages.
  namespace.use((socket, next) => {
    const token = sessionTokenFromCookieHeader(socket.handshake.headers.cookie);
    actorFromSessionToken(token).then(
      (actor) => {
        if (!actor) return next(Object.assign(new Error("Sign in first."), { data: { code: "UNAUTHENTICATED" } }));
        socket.data.actor = actor;
        socket.data.sessionToken = token!;
        next();
      },
      () => next(new Error("Sign in first.")),
    );
  });

  namespace.on("connection", (socket: LiveSocket) => {
    socket.on("run:watch", withAck(runWatchSchema, async ({ runId }) => {
      // Re-read the session on every request: a sign-out or role change applies to open sockets too.
      const actor = await actorFromSessionToken(socket.data.sessionToken);
      if (!actor) {
        socket.disconnect(true);
        throw new AppError("UNAUTHENTICATED", "Your session has ended; sign in again.");
      }
      // Join before reading the snapshot, so no frame falls between the two; the client drops duplicates by seq.
      await socket.join(runRoom(runId));
      try {
        return await watchRun(db, actor, runId);
      } catch (error) {
        await socket.leave(runRoom(runId));
        throw error;
      }
    }));
    socket.on("run:unwatch", (payload: unknown) => {
      const parsed = runWatchSchema.safeParse(payload);
      if (parsed.success) void socket.leave(runRoom(parsed.data.runId));
    });
  });
}
