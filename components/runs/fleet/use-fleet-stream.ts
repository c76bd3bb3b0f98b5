"use client";
import { useEffect, useState, useSyncExternalStore } from "react";
import { io, type Socket } from "socket.io-client";
import { runSnapshotWithOriginSchema, type RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import type { LiveClientToServerEvents, LiveServerToClientEvents } from "@/lib/views/live-events.ts";
import { FleetStore, type FleetView } from "./fleet-store.ts";

export type FleetStream = { view: FleetView; connected: boolean; error: string | null; loading: boolean };
type LiveSocket = Socket<LiveServerToClientEvents, LiveClientToServerEvents>;

/**
 * Every run of one batch over one socket: one `batch:watch` (every run's
 * state and its latest few frames), then every new frame and state change as
 * the server relays them. Nothing older is fetched: the fleet view shows the
 * latest print of each host and the last 15 minutes merged. After a reconnect,
 * or when the server says the page fell behind (`live:resync`), the batch is
 * watched again. WebSocket only, so several server processes need no sticky sessions.
 */
export function useFleetStream(batchId: string, initial: readonly RunSnapshotWithOrigin[]): FleetStream {
  const [store] = useState(() => new FleetStore(initial));
  const view = useSyncExternalStore(store.subscribe, store.getView, store.getView);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let cancelled = false;
    const socket: LiveSocket = io(LIVE_NAMESPACE, { path: SOCKET_PATH, withCredentials: true, transports: ["websocket"] });
    const acceptSnapshot = (value: unknown) => {
      const parsed = runSnapshotWithOriginSchema.safeParse(value);
      if (parsed.success) store.setSnapshot(parsed.data);
    };
    const watch = () => {
      socket.emit("batch:watch", { batchId }, (reply) => {
        if (cancelled) return;
        setLoading(false);
        if (!reply.ok) return setError(reply.error.message);
        for (const run of reply.value.runs) acceptSnapshot(run);
        store.ingest(reply.value.frames, "snapshot");
      });
    };
    socket.on("connect", () => {
      setConnected(true);
      setError(null);
      // Subscriptions do not survive a reconnect.
      watch();
    });
    socket.on("disconnect", () => setConnected(false));
    socket.on("connect_error", (caught) => setError(`Live updates unavailable: ${caught.message}`));
    socket.on("frames", (frames) => {
      if (Array.isArray(frames)) store.ingest(frames, "live");
    });
    socket.on("runs:state", (states) => {
      if (Array.isArray(states)) for (const state of states) acceptSnapshot(state);
    });
    socket.on("live:resync", (missed) => {
      // What was missed is older than the latest prints a new watch brings.
      if (missed?.batches?.includes(batchId) || missed?.runs?.some((run) => store.get(run.runId))) watch();
    });
    return () => {
      cancelled = true;
      socket.disconnect();
    };
  }, [store, batchId]);

  useEffect(() => () => store.dispose(), [store]);
  return { view, connected, error, loading };
}
