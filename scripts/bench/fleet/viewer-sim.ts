// A worker process of simulated viewers: SREs with the live page of a fleet
// open. Each watches every run of the load and records, for every frame it
// is sent, when it arrived (against the frame's `at`), and whether it was a
// duplicate or came out of order (stats.ts). On the product they sign in with
// their own session cookie and watch on /live; on the plain relay they
// receive every frame unasked.
import type { Socket } from "socket.io-client";
import WebSocket from "ws";
import { FRAME_EVENTS, RELAY_VIEWER_PATH, connectViewerSocket, framesOf, watchEverything } from "./protocol.ts";
import { DeliveryLedger, mergeSummaries, serializeSummary, type MeasuredWindow, type SerializedDeliverySummary } from "./stats.ts";
import { serveCommands } from "./workers.ts";

export type SimViewer = { cookie: string; index: number };
export type ViewerReport = { viewers: number; connected: number; summary: SerializedDeliverySummary; messages: number };

type System = "product" | "relay";

class SimViewerState {
  socket: Socket | undefined;
  ws: WebSocket | undefined;
  ledger = new DeliveryLedger({ from: 0, to: 0 });
  messages = 0;
  constructor(readonly viewer: SimViewer) {}
}

let viewers: SimViewerState[] = [];
let system: System = "product";

function receive(state: SimViewerState, message: unknown): void {
  const receivedAt = Date.now();
  state.messages += 1;
  for (const frame of framesOf(message)) state.ledger.record(frame.runId, frame.seq, frame.at, receivedAt);
}

function connectOne(state: SimViewerState, url: string, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    const done = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    if (system === "product") {
      const socket = connectViewerSocket(url, state.viewer.cookie);
      state.socket = socket;
      for (const event of FRAME_EVENTS) socket.on(event, (message: unknown) => receive(state, message));
      socket.once("connect", () => done(true));
      socket.on("connect_error", (error: Error) => process.stderr.write(`viewer ${state.viewer.index}: ${error.message}\n`));
    } else {
      const ws = new WebSocket(new URL(RELAY_VIEWER_PATH, url), { perMessageDeflate: false });
      state.ws = ws;
      ws.on("message", (data: Buffer) => receive(state, JSON.parse(data.toString("utf8"))));
      ws.once("open", () => done(true));
      ws.once("error", () => done(false));
    }
  });
}

async function connect(command: { system: System; urls: string[]; timeoutMs: number }): Promise<{ connected: number }> {
  system = command.system;
  const deadline = Date.now() + command.timeoutMs;
  const results = await Promise.all(viewers.map((state) => connectOne(state, command.urls[state.viewer.index % command.urls.length]!, deadline)));
  return { connected: results.filter(Boolean).length };
}

async function watch(command: { runIds: string[]; approvalIds: string[]; concurrency: number; timeoutMs: number }) {
  const deadline = Date.now() + command.timeoutMs;
  const results = await Promise.all(
    viewers.map(async (state) =>
      state.socket
        ? watchEverything(state.socket, command, { concurrency: command.concurrency, deadline })
        : { watched: 0, failed: command.runIds.length, errors: { "not connected": command.runIds.length } },
    ),
  );
  const errors: Record<string, number> = {};
  for (const result of results) for (const [message, count] of Object.entries(result.errors)) errors[message] = (errors[message] ?? 0) + count;
  return { watched: results.reduce((sum, r) => sum + r.watched, 0), failed: results.reduce((sum, r) => sum + r.failed, 0), errors };
}

function measure(command: { window: MeasuredWindow }): Record<string, never> {
  for (const state of viewers) {
    state.ledger = new DeliveryLedger(command.window);
    state.messages = 0;
  }
  return {};
}

function report(): ViewerReport {
  return {
    viewers: viewers.length,
    connected: viewers.filter((state) => (system === "product" ? state.socket?.connected : state.ws?.readyState === WebSocket.OPEN)).length,
    summary: serializeSummary(mergeSummaries(viewers.map((state) => state.ledger.result()))),
    messages: viewers.reduce((sum, state) => sum + state.messages, 0),
  };
}

function disconnect(): void {
  for (const state of viewers) {
    state.socket?.removeAllListeners();
    state.socket?.disconnect();
    state.socket = undefined;
    state.ws?.removeAllListeners();
    state.ws?.terminate();
    state.ws = undefined;
  }
}

serveCommands(
  async (command) => {
    switch (command.type) {
      case "init":
        viewers = (command.viewers as SimViewer[]).map((viewer) => new SimViewerState(viewer));
        return { viewers: viewers.length };
      case "connect":
        return connect(command as unknown as { system: System; urls: string[]; timeoutMs: number });
      case "watch":
        return watch(command as unknown as { runIds: string[]; approvalIds: string[]; concurrency: number; timeoutMs: number });
      case "measure":
        return measure(command as unknown as { window: MeasuredWindow });
      case "progress":
        return { unique: viewers.reduce((sum, state) => sum + state.ledger.unique, 0) };
      case "report":
        return report();
      case "disconnect":
        disconnect();
        return {};
      default:
        throw new Error(`unknown command ${command.type}`);
    }
  },
  () => disconnect(),
);
