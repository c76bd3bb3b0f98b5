"use client";

import { useEffect, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { Frame } from "@/lib/shared/frame.ts";
import {
  LIVE_NAMESPACE,
  SOCKET_PATH,
  type LiveClientToServerEvents,
  type LiveServerToClientEvents,
  type RunSnapshot,
} from "@/lib/shared/socket-events.ts";

export type RunStream = { run: RunSnapshot; frames: Frame[]; connected: boolean; error: string | null };

const KEEP_FRAMES = 2000;

/** Merges frames by sequence number: a frame seen twice (snapshot and live) is kept once. */
function mergeFrames(current: Frame[], incoming: Frame[]): Frame[] {
  if (incoming.length === 0) return current;
  const lastSeq = current.at(-1)?.seq ?? 0;
  if (incoming.every((f) => f.seq > lastSeq) && incoming.every((f, i) => i === 0 || f.seq > incoming[i - 1]!.seq)) {
    return [...current, ...incoming].slice(-KEEP_FRAMES);
  }
  const bySeq = new Map(current.map((f) => [f.seq, f]));
  for (const frame of incoming) bySeq.set(frame.seq, frame);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-KEEP_FRAMES);
}

/** A run's state and frames, live over socket.io; re-subscribes after a reconnect. */
export function useRunStream(initial: RunSnapshot): RunStream {
  const [run, setRun] = useState(initial);
  const [frames, setFrames] = useState<Frame[]>([]);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const socket: Socket<LiveServerToClientEvents, LiveClientToServerEvents> = io(LIVE_NAMESPACE, {
      path: SOCKET_PATH,
      withCredentials: true,
    });
    const watch = () =>
      socket.emit("run:watch", { runId: initial.id }, (reply) => {
        if (!reply.ok) {
          setError(reply.error.message);
          return;
        }
        setError(null);
        setRun(reply.value.run);
        setFrames((current) => mergeFrames(current, reply.value.frames));
      });
    socket.on("connect", () => {
      setConnected(true);
      watch(); // rooms do not survive a reconnect
    });
    socket.on("disconnect", () => setConnected(false));
    socket.on("connect_error", (err) => setError(`Live updates unavailable: ${err.message}`));
    socket.on("run:frames", (batch) => {
      if (batch.runId === initial.id) setFrames((current) => mergeFrames(current, batch.frames));
    });
    socket.on("run:state", (state) => {
      if (state.id === initial.id) setRun(state);
    });
    return () => {
      socket.emit("run:unwatch", { runId: initial.id });
      socket.disconnect();
    };
  }, [initial.id]);

  return { run, frames, connected, error };
}
