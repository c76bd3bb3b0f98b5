"use client";
import { useEffect, useState, useSyncExternalStore } from "react";
import { io, type Socket } from "socket.io-client";
import type { Frame } from "@/lib/shared/frame.ts";
import { runSnapshotWithOriginSchema, type RunSnapshotWithOrigin } from "@/lib/shared/run-origin.ts";
import { LIVE_NAMESPACE, SOCKET_PATH, type LiveClientToServerEvents, type LiveServerToClientEvents } from "@/lib/shared/socket-events.ts";
import { WorkspaceStore } from "./workspace-store.ts";

/**
 * Older frames are fetched over HTTP when the socket's snapshot (the latest
 * 600 frames of each run) does not reach back to the start, up to this many
 * in all; a view joined late into a long run of many hosts shows the recent
 * history only and says so.
 */
const MAX_BACKFILL_FRAMES = 200_000;
const PAGE = 5000;

export type WorkspaceStream = { store: WorkspaceStore; version: number; connected: boolean; error: string | null; loading: boolean };

async function backfill(store: WorkspaceStore, runId: string, budget: { left: number }, cancelled: () => boolean): Promise<void> {
  const run = store.get(runId);
  if (!run) return;
  let afterSeq = 0;
  // Pages from the start until the frames the socket already gave (the timeline skips duplicates).
  while (!cancelled() && run.timeline.missesEarlyFrames && afterSeq < run.timeline.lowestSeq) {
    if (budget.left <= 0) {
      store.historyLimited = true;
      return;
    }
    const limit = Math.min(PAGE, budget.left);
    const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/frames?afterSeq=${afterSeq}&limit=${limit}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`could not load earlier frames (${response.status})`);
    const page = (await response.json()) as { frames: Frame[]; nextAfterSeq: number };
    if (page.frames.length === 0) return;
    budget.left -= page.frames.length;
    store.ingest(runId, page.frames);
    afterSeq = page.nextAfterSeq;
  }
}

/** Every run of `initial` watched over one socket, older frames fetched once; re-subscribes after a reconnect. */
export function useWorkspaceStream(initial: readonly RunSnapshotWithOrigin[]): WorkspaceStream {
  const [store] = useState(() => new WorkspaceStore(initial));
  const version = useSyncExternalStore(store.subscribe, store.getVersion, store.getVersion);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let cancelled = false;
    const budget = { left: MAX_BACKFILL_FRAMES };
    const backfilled = new Set<string>();
    const socket: Socket<LiveServerToClientEvents, LiveClientToServerEvents> = io(LIVE_NAMESPACE, { path: SOCKET_PATH, withCredentials: true });
    const acceptSnapshot = (value: unknown) => {
      const parsed = runSnapshotWithOriginSchema.safeParse(value);
      if (parsed.success) store.setSnapshot(parsed.data);
    };
    const watchAll = () => {
      let pending = store.runs.length;
      for (const { snapshot } of store.runs) {
        socket.emit("run:watch", { runId: snapshot.id }, (reply) => {
          if (cancelled) return;
          if (!reply.ok) {
            setError(reply.error.message);
          } else {
            acceptSnapshot(reply.value.run);
            store.ingest(snapshot.id, reply.value.frames);
            if (!backfilled.has(snapshot.id)) {
              backfilled.add(snapshot.id);
              backfill(store, snapshot.id, budget, () => cancelled).catch((caught: unknown) => setError(`Earlier frames are missing: ${(caught as Error).message}`));
            }
          }
          pending -= 1;
          if (pending === 0) setLoading(false);
        });
      }
    };
    socket.on("connect", () => {
      setConnected(true);
      setError(null);
      watchAll(); // rooms do not survive a reconnect
    });
    socket.on("disconnect", () => setConnected(false));
    socket.on("connect_error", (caught) => setError(`Live updates unavailable: ${caught.message}`));
    socket.on("run:frames", (batch) => {
      if (batch && typeof batch.runId === "string" && Array.isArray(batch.frames)) store.ingest(batch.runId, batch.frames);
    });
    socket.on("run:state", acceptSnapshot);
    return () => {
      cancelled = true;
      for (const { snapshot } of store.runs) socket.emit("run:unwatch", { runId: snapshot.id });
      socket.disconnect();
    };
  }, [store]);

  useEffect(() => () => store.dispose(), [store]);
  return { store, version, connected, error, loading };
}
