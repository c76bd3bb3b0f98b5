// Everything bench:fleet knows about the wire, in one place, so a change of
// protocol is a change here: how a simulated agent talks on /agent, how a
// simulated viewer watches on /live and reads the frames it is sent, and the
// plain relay's framing. The product's side follows lib/protocol/agent-events.ts,
// lib/views/live-events.ts and the real agent's agent/src/server-link.ts.
import { io, type Socket } from "socket.io-client";
import { AGENT_NAMESPACE, LIVE_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/shared/sockets.ts";
import type { Frame } from "@/lib/shared/frame.ts";

/** The real agent's request timeout (agent/src/server-link.ts) and its spool's retry pause (agent/src/spool.ts). */
export const AGENT_REQUEST_TIMEOUT_MS = 15_000;
export const AGENT_RETRY_DELAY_MS = 2000;
export const MAX_FRAMES_PER_REQUEST = 500;

// ---- the product: agents on /agent ---------------------------------------------

/** A socket.io connection made the way the real agent makes it (websocket only, no compression). */
export function connectAgentSocket(serverUrl: string, credential: string): Socket {
  return io(new URL(AGENT_NAMESPACE, serverUrl).toString(), {
    path: SOCKET_PATH,
    auth: { token: credential },
    transports: ["websocket"],
    forceNew: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 30_000,
    randomizationFactor: 0.5,
    timeout: 10_000,
    perMessageDeflate: false,
  } as unknown as Parameters<typeof io>[1]);
}

export class RequestError extends Error {
  constructor(
    message: string,
    readonly kind: "timeout" | "refused" | "disconnected",
  ) {
    super(message);
  }
}

/** One acknowledged request, as the real agent's ServerLink.request makes it: a timeout, and `ok: false` is an error. */
export async function request<T>(socket: Socket, event: string, payload: unknown, timeoutMs = AGENT_REQUEST_TIMEOUT_MS): Promise<T> {
  if (!socket.connected) throw new RequestError(`not connected (${event})`, "disconnected");
  let reply: Ack<T>;
  try {
    reply = (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
  } catch {
    throw new RequestError(`the server did not answer ${event} within ${timeoutMs} ms`, "timeout");
  }
  if (!reply || typeof reply !== "object") throw new RequestError(`malformed answer to ${event}`, "refused");
  if (!reply.ok) throw new RequestError(`${event}: ${reply.error.code}: ${reply.error.message}`, "refused");
  return reply.value;
}

/** agent:hello, with the runs this host is running (any other RUNNING run of the host would be ended as lost). */
export function sendHello(socket: Socket, activeRunIds: string[]): Promise<{ hostName: string }> {
  return request(socket, "agent:hello", {
    agentVersion: "bench-fleet",
    facts: { kernelRelease: "6.1.0-bench", bpftraceVersion: "0.17.0", arch: "x86_64", btf: true, kprobes: false, uprobes: true },
    activeRunIds,
  });
}

/** The orders queued for this host (envelopes are not verified: the simulation measures the server, not the agent). */
export async function pullOrders(socket: Socket): Promise<string[]> {
  const { orders } = await request<{ orders: { runId: string }[] }>(socket, "orders:pull", { limit: 8 });
  return orders.map((order) => order.runId);
}

export function startRun(socket: Socket, runId: string): Promise<{ start: boolean; reason: string | null }> {
  return request(socket, "run:start", { runId, startedAt: Date.now() });
}

export function sendFrames(socket: Socket, runId: string, frames: Frame[]): Promise<{ stored: number; ackSeq: number }> {
  return request(socket, "run:frames", { runId, frames });
}

export function endRun(socket: Socket, runId: string, reason: "completed" | "expired", lastSeq: number): Promise<unknown> {
  return request(socket, "run:end", { runId, reason, detail: reason === "expired" ? "bench:fleet: an order of an earlier load" : null, endedAt: Date.now(), lastSeq });
}

// ---- the product: viewers on /live ----------------------------------------------

/** A browser's socket: the session cookie in the handshake, as the page's socket sends it. */
export function connectViewerSocket(serverUrl: string, cookie: string): Socket {
  return io(new URL(LIVE_NAMESPACE, serverUrl).toString(), {
    path: SOCKET_PATH,
    transports: ["websocket"],
    forceNew: true,
    extraHeaders: { cookie },
    timeout: 10_000,
    perMessageDeflate: false,
  } as unknown as Parameters<typeof io>[1]);
}

/**
 * Start watching every run of the load: one `batch:watch` per approval (one
 * for the whole fleet), as the run page of a fleet does. `concurrency` is
 * kept for the per-run watch of a viewer of a few hosts; a batch needs one.
 */
export async function watchEverything(
  socket: Socket,
  load: { runIds: string[]; approvalIds: string[] },
  options: { concurrency: number; deadline: number },
): Promise<{ watched: number; failed: number; errors: Record<string, number> }> {
  const errors: Record<string, number> = {};
  let watched = 0;
  let failed = 0;
  for (const batchId of load.approvalIds) {
    const left = options.deadline - Date.now();
    try {
      if (left <= 0) throw new RequestError("the watch phase ran out of time", "timeout");
      const snapshot = await request<{ runs: unknown[] }>(socket, "batch:watch", { batchId }, Math.min(left, 60_000));
      watched += snapshot.runs.length;
    } catch (error) {
      failed += load.runIds.length;
      const message = (error as Error).message.slice(0, 160);
      errors[message] = (errors[message] ?? 0) + 1;
    }
  }
  return { watched, failed, errors };
}

/** The events of /live that carry frames. */
export const FRAME_EVENTS = ["frames"] as const;

export type FrameStamp = { runId: string; seq: number; at: number };

/**
 * The frames one message carries. The product sends `Frame[]`: every new
 * frame of every run the viewer watches, one message per window; the plain
 * relay sends `{ runId, frames }`, one frame per message. Both systems'
 * viewers decode with this.
 */
export function framesOf(message: unknown): FrameStamp[] {
  const frames = Array.isArray(message) ? message : (message as { frames?: unknown } | null)?.frames;
  if (!Array.isArray(frames)) return [];
  return (frames as { runId?: unknown; seq?: unknown; at?: unknown }[]).map((frame) => ({
    runId: String(frame.runId),
    seq: Number(frame.seq),
    at: Number(frame.at),
  }));
}

// ---- the plain relay ------------------------------------------------------------

export const RELAY_AGENT_PATH = "/agent";
export const RELAY_VIEWER_PATH = "/viewer";

/** What an agent sends the plain relay for one frame: the same JSON as the product's `run:frames` payload. */
export function relayMessage(runId: string, frame: Frame): string {
  return JSON.stringify({ runId, frames: [frame] });
}
