"use client";
import { useEffect, useState, useSyncExternalStore } from "react";
import { io, type Socket } from "socket.io-client";
import type { Frame } from "@/lib/shared/frame.ts";
import { runSnapshotWithOriginSchema, type RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import type { LiveClientToServerEvents, LiveServerToClientEvents } from "@/lib/views/live-events.ts";
import { WorkspaceStore, type SeqGap, type WorkspaceView } from "./workspace-store.ts";

/**
 * Older frames are fetched over HTTP when the socket's snapshot (the latest
 * 600 frames of each run) does not reach back to the start, up to this many
 * in all; a view joined late into a long run of many hosts shows the recent
 * history only and says so. Frames missed live (the viewer fell behind, or
 * a server process died before relaying what it stored) are fetched the same way.
 */
const MAX_BACKFILL_FRAMES = 200_000;
const PAGE = 5000;

export type WorkspaceStream = { store: WorkspaceStore; view: WorkspaceView; connected: boolean; error: string | null; loading: boolean };
type LiveSocket = Socket<LiveServerToClientEvents, LiveClientToServerEvents>;

async function fetchFrames(runId: string, afterSeq: number, limit: number): Promise<{ frames: Frame[]; nextAfterSeq: number }> {
  const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/frames?afterSeq=${afterSeq}&limit=${limit}`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`could not load frames (${response.status})`);
  return (await response.json()) as { frames: Frame[]; nextAfterSeq: number };
}

/** Pages from the start of the run until the frames the socket already gave (the timeline skips duplicates). */
async function backfillStart(store: WorkspaceStore, runId: string, budget: { left: number }, cancelled: () => boolean): Promise<void> {
  const run = store.get(runId);
  if (!run) return;
  let afterSeq = 0;
  while (!cancelled() && run.timeline.missesEarlyFrames && afterSeq < run.timeline.lowestSeq) {
    if (budget.left <= 0) {
      store.markHistoryLimited();
      return;
    }
    const page = await fetchFrames(runId, afterSeq, Math.min(PAGE, budget.left));
    if (page.frames.length === 0) return;
    budget.left -= page.frames.length;
    store.ingest(runId, page.frames);
    afterSeq = page.nextAfterSeq;
  }
}

/** Frames fromSeq..toSeq (inclusive; toSeq Infinity: up to now) of a run, from the database. */
async function backfillRange(store: WorkspaceStore, runId: string, fromSeq: number, toSeq: number, budget: { left: number }, cancelled: () => boolean): Promise<void> {
  let afterSeq = fromSeq - 1;
  while (!cancelled() && afterSeq < toSeq && budget.left > 0) {
    const page = await fetchFrames(runId, afterSeq, Math.min(PAGE, budget.left, Number.isFinite(toSeq) ? toSeq - afterSeq : PAGE));
    if (page.frames.length === 0) return;
    budget.left -= page.frames.length;
    store.ingest(runId, page.frames);
    afterSeq = page.nextAfterSeq;
  }
}

/** The batch all these runs share, when they are the runs of one approval on several hosts. */
function sharedBatch(runs: readonly RunSnapshotWithOrigin[]): string | null {
  const first = runs[0]?.origin;
  if (runs.length < 2 || first?.kind !== "live") return null;
  return runs.every((run) => run.origin.kind === "live" && run.origin.batchId === first.batchId) ? first.batchId : null;
}

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
      for (const gap of gaps) backfillRange(store, gap.runId, gap.fromSeq, gap.toSeq, budget, isCancelled).catch(fail("Frames missed live could not be loaded"));
    };

    const acceptSnapshot = (value: unknown) => {
      const parsed = runSnapshotWithOriginSchema.safeParse(value);
      if (parsed.success) store.setSnapshot(parsed.data);
    };
    const afterSnapshot = (runId: string) => {
      if (backfilled.has(runId)) return;
      backfilled.add(runId);
      backfillStart(store, runId, budget, isCancelled).catch(fail("Earlier frames are missing"));
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
      for (const run of missed?.runs ?? []) backfillRange(store, run.runId, run.fromSeq, Infinity, budget, isCancelled).catch(fail("Frames missed live could not be loaded"));
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
