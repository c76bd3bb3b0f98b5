"use client";
import { useEffect, useState, useSyncExternalStore } from "react";
import { io, type Socket } from "socket.io-client";
import { runSnapshotWithOriginSchema, type RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import type { LiveClientToServerEvents, LiveServerToClientEvents } from "@/lib/views/live-events.ts";
import { WorkspaceStore, type SeqGap, type WorkspaceView } from "./workspace-store.ts";
import { backfillRange, backfillStart, fetchFrames, MAX_BACKFILL_FRAMES, sharedBatch } from "./workspace-backfill.ts";

export type WorkspaceStream = { store: WorkspaceStore; view: WorkspaceView; connected: boolean; error: string | null; loading: boolean };
type LiveSocket = Socket<LiveServerToClientEvents, LiveClientToServerEvents>;

/**
 * Every run of `initial` watched over one socket (one batch watch for the
 * hosts of one approval, else one watch per run), older frames fetched once,
 * frames missed live fetched as soon as a gap shows; re-subscribes after a
 * reconnect. The socket speaks WebSocket only, so several server processes
 * behind a proxy need no sticky sessions.
 */
export function useWorkspaceStream(initial: readonly RunSnapshotWithOrigin[]): WorkspaceStream {
  const [store] = useState(() => new WorkspaceStore(initial));
  const view = useSyncExternalStore(store.subscribe, store.getView, store.getView);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let cancelled = false;
    const isCancelled = () => cancelled;
    const budget = { left: MAX_BACKFILL_FRAMES };
    const backfilled = new Set<string>();
    const batchId = sharedBatch(store.runs.map((run) => run.snapshot));
    const socket: LiveSocket = io(LIVE_NAMESPACE, { path: SOCKET_PATH, withCredentials: true, transports: ["websocket"] });
    const fail = (what: string) => (caught: unknown) => setError(`${what}: ${(caught as Error).message}`);
    const fillGaps = (gaps: SeqGap[]) => {
      for (const gap of gaps) backfillRange(fetchFrames, store, gap.runId, gap.fromSeq, gap.toSeq, budget, isCancelled).catch(fail("Frames missed live could not be loaded"));
    };

    const acceptSnapshot = (value: unknown) => {
      const parsed = runSnapshotWithOriginSchema.safeParse(value);
      if (parsed.success) store.setSnapshot(parsed.data);
    };
    const afterSnapshot = (runId: string) => {
      if (backfilled.has(runId)) return;
      backfilled.add(runId);
      backfillStart(fetchFrames, store, runId, budget, isCancelled).catch(fail("Earlier frames are missing"));
    };
    const watchBatch = (id: string) => {
      socket.emit("batch:watch", { batchId: id }, (reply) => {
        if (cancelled) return;
        setLoading(false);
        if (!reply.ok) return setError(reply.error.message);
        for (const run of reply.value.runs) acceptSnapshot(run);
        fillGaps(store.ingestMany(reply.value.frames));
        for (const run of store.runs) afterSnapshot(run.snapshot.id);
      });
    };
    const watchRuns = () => {
      let pending = store.runs.length;
      for (const { snapshot } of store.runs) {
        socket.emit("run:watch", { runId: snapshot.id }, (reply) => {
          if (cancelled) return;
          if (!reply.ok) setError(reply.error.message);
          else {
            acceptSnapshot(reply.value.run);
            fillGaps(store.ingest(snapshot.id, reply.value.frames));
            afterSnapshot(snapshot.id);
          }
          if (--pending === 0) setLoading(false);
        });
      }
    };
    socket.on("connect", () => {
      setConnected(true);
      setError(null);
      // Subscriptions do not survive a reconnect.
      if (batchId) watchBatch(batchId);
      else watchRuns();
    });
    socket.on("disconnect", () => setConnected(false));
    socket.on("connect_error", (caught) => setError(`Live updates unavailable: ${caught.message}`));
    socket.on("frames", (frames) => {
      if (Array.isArray(frames)) fillGaps(store.ingestMany(frames));
    });
    socket.on("runs:state", (states) => {
      if (Array.isArray(states)) for (const state of states) acceptSnapshot(state);
    });
    socket.on("live:resync", (missed) => {
      for (const run of missed?.runs ?? [])
        backfillRange(fetchFrames, store, run.runId, run.fromSeq, Infinity, budget, isCancelled).catch(fail("Frames missed live could not be loaded"));
      for (const id of missed?.batches ?? []) watchBatch(id);
    });
    return () => {
      cancelled = true;
      socket.disconnect();
    };
  }, [store]);

  useEffect(() => () => store.dispose(), [store]);
  return { store, view, connected, error, loading };
}
