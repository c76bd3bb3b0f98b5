// Every socket.io event between agents, the server and browsers, declared
// once and imported by all three. Receivers validate payloads with the
// schemas here; TypeScript types alone are never trusted on the wire.
// Documented in docs/socket-protocol.md.
import { z } from "zod";
import type { Envelope } from "./dsse.ts";
import { MAX_FRAMES_PER_BATCH, frameSchema, type Frame } from "./frame.ts";

export const AGENT_NAMESPACE = "/agent";
export const LIVE_NAMESPACE = "/live";
export const SOCKET_PATH = "/socket.io";

/** Every acknowledgement has this shape; `code` is one of the server's error codes. */
export type Ack<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
export type AckFn<T> = (reply: Ack<T>) => void;

const id = z.string().min(1).max(64);

// ---- agent <-> server ------------------------------------------------------

export const hostFactsSchema = z
  .object({
    kernelRelease: z.string().max(200),
    bpftraceVersion: z.string().max(100).nullable(),
    arch: z.string().max(40),
  })
  .passthrough();
export type HostFacts = z.infer<typeof hostFactsSchema>;

export const agentHelloSchema = z.object({
  agentVersion: z.string().max(50),
  facts: hostFactsSchema,
  /** Runs this agent is running right now; any other RUNNING run of its host was lost. */
  activeRunIds: z.array(id).max(1000),
});
export type AgentHello = z.infer<typeof agentHelloSchema>;

export const runStartSchema = z.object({ runId: id, startedAt: z.number().int().nonnegative() });
export type RunStart = z.infer<typeof runStartSchema>;

export const runFramesSchema = z.object({
  runId: id,
  frames: z.array(frameSchema).min(1).max(MAX_FRAMES_PER_BATCH),
});
export type RunFrames = { runId: string; frames: Frame[] };

export const AGENT_END_REASONS = [
  "completed",
  "duration-limit",
  "stopped",
  "revoked",
  "overhead-limit",
  "output-limit",
  "failed",
  "refused",
  "expired",
] as const;
export type AgentEndReason = (typeof AGENT_END_REASONS)[number];

export const runEndSchema = z.object({
  runId: id,
  reason: z.enum(AGENT_END_REASONS),
  /** A sentence a person understands, e.g. bpftrace's error message or why the order was refused. */
  detail: z.string().max(4000).nullable(),
  endedAt: z.number().int().nonnegative(),
  /** Sequence number of the last frame the agent produced for the run (0 if none). */
  lastSeq: z.number().int().nonnegative(),
});
export type RunEnd = z.infer<typeof runEndSchema>;

export type RunOrderDelivery = { runId: string; envelope: Envelope };

export interface AgentToServerEvents {
  "agent:hello": (hello: AgentHello, ack: AckFn<{ hostName: string }>) => void;
  "orders:pull": (request: Record<string, never>, ack: AckFn<{ orders: RunOrderDelivery[] }>) => void;
  "run:start": (request: RunStart, ack: AckFn<{ start: boolean; reason: string | null }>) => void;
  "run:frames": (batch: RunFrames, ack: AckFn<{ stored: number }>) => void;
  "run:end": (report: RunEnd, ack: AckFn<Record<string, never>>) => void;
}

export interface ServerToAgentEvents {
  /** New signed orders wait for this host: pull them. */
  "orders:available": () => void;
  /** Stop a run: `cause` says whether a user stopped it or its approval was revoked. */
  "run:stop": (request: { runId: string; reason: string; cause: "user" | "revoked" }) => void;
}

// ---- browser <-> server ----------------------------------------------------

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
};

export const runWatchSchema = z.object({ runId: id });

export interface LiveClientToServerEvents {
  "run:watch": (request: { runId: string }, ack: AckFn<{ run: RunSnapshot; frames: Frame[] }>) => void;
  "run:unwatch": (request: { runId: string }) => void;
}

export interface LiveServerToClientEvents {
  /** Frames of a watched run, several per message (the server coalesces them). */
  "run:frames": (batch: RunFrames) => void;
  "run:state": (run: RunSnapshot) => void;
}
