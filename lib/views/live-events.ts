// Every socket.io event between browsers and the server (the /live
// namespace), declared once and imported by both. The server validates what
// a browser asks with the schemas here; the browser validates what it is sent
// (lib/views/run-origin.ts, lib/shared/frame.ts). Documented in
// docs/socket-protocol.md.
import { z } from "zod";
import type { Frame } from "../shared/frame.ts";
import type { AckFn } from "../shared/sockets.ts";

const id = z.string().min(1).max(64);

export type RunSnapshot = {
  id: string;
  hostName: string;
  programId: string;
  programName: string;
  revisionNumber: number;
  status: "QUEUED" | "RUNNING" | "ENDED";
  endReason: string | null;
  endDetail: string | null;
  durationSec: number;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  expiresAt: string;
  stopRequestedAt: string | null;
  stopRequestedBy: string | null;
  lastSeq: number;
  /** When the retention sweep deleted the run's frames (only a run that had frames says so). */
  framesPrunedAt: string | null;
};

export const runWatchSchema = z.object({ runId: id }).strict();
export const batchWatchSchema = z.object({ batchId: id }).strict();

/** Every run of a batch (the runs one approval signed) and each run's latest frames; small batches get as many as a run alone. */
export type BatchSnapshot = { runs: RunSnapshot[]; frames: Frame[]; framesPerRun: number };

/** Frames a viewer missed while it could not keep up: read each run back from `fromSeq` (HTTP), and watch these batches again. */
export type LiveResync = { runs: { runId: string; fromSeq: number }[]; batches: string[] };

export interface LiveClientToServerEvents {
  "run:watch": (request: { runId: string }, ack: AckFn<{ run: RunSnapshot; frames: Frame[] }>) => void;
  "run:unwatch": (request: { runId: string }) => void;
  "batch:watch": (request: { batchId: string }, ack: AckFn<BatchSnapshot>) => void;
  "batch:unwatch": (request: { batchId: string }) => void;
}

export interface LiveServerToClientEvents {
  /**
   * Every new frame of every run the socket watches since its last message,
   * in order within each run: one message per window (20 ms), whatever the
   * number of runs (docs/socket-protocol.md).
   */
  frames: (frames: Frame[]) => void;
  /** Runs whose state changed (started, asked to stop, ended), in the same windows, after their frames. */
  "runs:state": (runs: RunSnapshot[]) => void;
  "live:resync": (missed: LiveResync) => void;
}
