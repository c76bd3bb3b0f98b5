// A worker process of simulated agents (a few hundred per process). Each
// behaves as the real agent does on the wire: connects with its credential,
// says hello, pulls its order and asks to start, then streams one hist frame
// a second, one request in flight at a time; frames printed meanwhile wait
// and go with the next request (agent/src/spool.ts), a request unanswered in
// 15 s is retried after 2 s, and a reconnect says hello again with its run.
// Against the plain relay the same agents send each frame as one `ws`
// message, with nothing to acknowledge.
import type { Socket } from "socket.io-client";
import WebSocket from "ws";
import type { Frame } from "@/lib/shared/frame.ts";
import { histFrame, histRecords } from "./hist-frame.ts";
import {
  AGENT_REQUEST_TIMEOUT_MS,
  AGENT_RETRY_DELAY_MS,
  MAX_FRAMES_PER_REQUEST,
  RELAY_AGENT_PATH,
  RequestError,
  connectAgentSocket,
  endRun,
  pullOrders,
  relayMessage,
  sendFrames,
  sendHello,
  startRun,
} from "./protocol.ts";
import { LatencyCounts, inWindow, type MeasuredWindow } from "./stats.ts";
import { serveCommands } from "./workers.ts";

export type SimHost = { hostName: string; credential: string; /** 0..N-1 over the whole load: sets its place in the second. */ index: number };

export type AgentReport = {
  agents: number;
  connected: number;
  /** Frames the hosts printed with `at` in the window (owed to every viewer). */
  framesInWindow: number;
  framesTotal: number;
  /** Of the frames in the window, those the server acknowledged. */
  ackedInWindow: number;
  /** Requests (batches) sent in the window: emit to acknowledgement; one that timed out counts as the timeout. */
  ackLatency: [number, number][];
  timeouts: number;
  refusals: Record<string, number>;
  /** Frames still waiting to be sent or acknowledged. */
  backlog: number;
  /** How late this process's timers fired (the client's own lag): p99, ms. */
  timerLagP99: number | null;
  reconnects: number;
};

type System = "product" | "relay";

class SimAgent {
  socket: Socket | undefined;
  ws: WebSocket | undefined;
  runId: string | undefined;
  seq = 0;
  queue: Frame[] = [];
  inFlight = false;
  retryTimer: NodeJS.Timeout | undefined;
  sendTimer: NodeJS.Timeout | undefined;
  streaming = false;
  connectedOnce = false;

  constructor(readonly host: SimHost) {}
}

const records = histRecords();
let agents: SimAgent[] = [];
let total = 0;
let system: System = "product";
let window: MeasuredWindow = { from: 0, to: 0 };
let counters = freshCounters();

function freshCounters() {
  return {
    framesInWindow: 0,
    framesTotal: 0,
    ackedInWindow: 0,
    ackLatency: new LatencyCounts(),
    timerLag: new LatencyCounts(),
    timeouts: 0,
    refusals: {} as Record<string, number>,
    reconnects: 0,
  };
}

function countRefusal(message: string): void {
  const key = message.slice(0, 160);
  counters.refusals[key] = (counters.refusals[key] ?? 0) + 1;
}

async function withConcurrency<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

// ---- connecting ------------------------------------------------------------------

function connectProduct(agent: SimAgent, url: string, deadline: number): Promise<boolean> {
  const socket = connectAgentSocket(url, agent.host.credential);
  agent.socket = socket;
  socket.on("connect", () => {
    if (agent.connectedOnce) counters.reconnects += 1;
    agent.connectedOnce = true;
    // Every (re)connect: hello with the run, so the server does not end it as lost; then resend what waits.
    sendHello(socket, agent.runId && agent.streaming ? [agent.runId] : [])
      .then(() => pump(agent))
      .catch((error: unknown) => countRefusal(`agent:hello: ${(error as Error).message}`));
  });
  socket.on("connect_error", (error: Error) => countRefusal(`connect: ${error.message}`));
  return new Promise((resolve) => {
    const check = () => {
      if (socket.connected) return resolve(true);
      if (Date.now() > deadline) return resolve(false);
      setTimeout(check, 50);
    };
    check();
  });
}

function connectRelay(agent: SimAgent, url: string, deadline: number): Promise<boolean> {
  const ws = new WebSocket(new URL(RELAY_AGENT_PATH, url), { perMessageDeflate: false });
  agent.ws = ws;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    ws.once("open", () => {
      clearTimeout(timer);
      resolve(true);
    });
    ws.once("error", (error) => {
      countRefusal(`connect: ${error.message}`);
      clearTimeout(timer);
      resolve(false);
    });
  });
}

async function connect(command: { system: System; urls: string[]; timeoutMs: number }): Promise<{ connected: number }> {
  system = command.system;
  const deadline = Date.now() + command.timeoutMs;
  let connected = 0;
  // A few handshakes at a time, as a fleet coming up would, not a thundering herd.
  await withConcurrency(agents, 25, async (agent) => {
    const url = command.urls[agent.host.index % command.urls.length]!;
    const ok = system === "product" ? await connectProduct(agent, url, deadline) : await connectRelay(agent, url, deadline);
    if (ok) connected += 1;
  });
  return { connected };
}

// ---- starting the runs of a load ------------------------------------------------------

/** Pull this load's order and ask to start it; orders left from earlier loads are ended as expired. */
async function startRuns(command: { runIds: string[]; timeoutMs: number }): Promise<{ started: number; failed: Record<string, number> }> {
  const expected = new Set(command.runIds);
  const deadline = Date.now() + command.timeoutMs;
  const failed: Record<string, number> = {};
  let started = 0;
  await withConcurrency(agents, 25, async (agent) => {
    const socket = agent.socket;
    agent.runId = undefined;
    while (socket && Date.now() < deadline) {
      try {
        const runIds = await pullOrders(socket);
        for (const runId of runIds.filter((id) => !expected.has(id))) await endRun(socket, runId, "expired", 0);
        const mine = runIds.find((id) => expected.has(id));
        if (mine) {
          const answer = await startRun(socket, mine);
          if (answer.start) {
            agent.runId = mine;
            started += 1;
          } else failed[`run:start refused: ${answer.reason}`] = (failed[`run:start refused: ${answer.reason}`] ?? 0) + 1;
          return;
        }
      } catch (error) {
        const message = (error as Error).message.slice(0, 160);
        failed[message] = (failed[message] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (!agent.runId) failed["no order arrived in time"] = (failed["no order arrived in time"] ?? 0) + 1;
  });
  return { started, failed };
}

// ---- streaming ------------------------------------------------------------------------

/** The product: one request in flight; what was printed meanwhile goes in the next one. */
function pump(agent: SimAgent): void {
  const socket = agent.socket;
  if (!socket || agent.inFlight || agent.retryTimer || agent.queue.length === 0 || !socket.connected || !agent.runId) return;
  const batch = agent.queue.slice(0, MAX_FRAMES_PER_REQUEST);
  agent.inFlight = true;
  const sentAt = Date.now();
  sendFrames(socket, agent.runId, batch).then(
    ({ ackSeq }) => {
      agent.inFlight = false;
      if (inWindow(window, sentAt)) counters.ackLatency.add(Date.now() - sentAt);
      const acked = agent.queue.filter((frame) => frame.seq <= ackSeq);
      counters.ackedInWindow += acked.filter((frame) => inWindow(window, frame.at)).length;
      agent.queue = agent.queue.filter((frame) => frame.seq > ackSeq);
      pump(agent);
    },
    (error: unknown) => {
      agent.inFlight = false;
      if (error instanceof RequestError && error.kind === "timeout") {
        counters.timeouts += 1;
        // Timed as the timeout: the p99 of a server that stopped answering must not look good.
        if (inWindow(window, sentAt)) counters.ackLatency.add(AGENT_REQUEST_TIMEOUT_MS);
      } else countRefusal((error as Error).message);
      if (error instanceof RequestError && error.kind === "disconnected") return; // the connect handler resends
      agent.retryTimer = setTimeout(() => {
        agent.retryTimer = undefined;
        pump(agent);
      }, AGENT_RETRY_DELAY_MS);
    },
  );
}

function printFrame(agent: SimAgent, due: number): void {
  const at = Date.now();
  counters.timerLag.add(at - due);
  const runId = agent.runId ?? `relay-${agent.host.hostName}`;
  const frame = histFrame(records, runId, ++agent.seq, at);
  counters.framesTotal += 1;
  if (inWindow(window, at)) counters.framesInWindow += 1;
  if (system === "product") {
    agent.queue.push(frame);
    pump(agent);
  } else if (agent.ws?.readyState === WebSocket.OPEN) {
    agent.ws.send(relayMessage(runId, frame));
  }
}

/**
 * Each host prints once a second from `startAt` until `stopAt`, host i of N
 * at i/N of the second, so the load is spread evenly over the second.
 */
function stream(command: { startAt: number; stopAt: number; window: MeasuredWindow }): { streaming: number } {
  window = command.window;
  counters = freshCounters();
  let streaming = 0;
  for (const agent of agents) {
    agent.seq = 0;
    agent.queue = [];
    if (system === "product" && !agent.runId) continue; // its run never started: it has nothing to print
    agent.streaming = true;
    streaming += 1;
    const phase = Math.floor((agent.host.index / total) * 1000);
    const schedule = (due: number) => {
      if (due >= command.stopAt) {
        agent.sendTimer = undefined;
        return;
      }
      agent.sendTimer = setTimeout(() => {
        printFrame(agent, due);
        schedule(due + 1000);
      }, due - Date.now());
    };
    schedule(command.startAt + phase);
  }
  return { streaming };
}

function report(): AgentReport {
  return {
    agents: agents.length,
    connected: agents.filter((agent) => (system === "product" ? agent.socket?.connected : agent.ws?.readyState === WebSocket.OPEN)).length,
    framesInWindow: counters.framesInWindow,
    framesTotal: counters.framesTotal,
    ackedInWindow: counters.ackedInWindow,
    ackLatency: counters.ackLatency.toJSON(),
    timeouts: counters.timeouts,
    refusals: counters.refusals,
    backlog: agents.reduce((sum, agent) => sum + agent.queue.length, 0),
    timerLagP99: counters.timerLag.percentile(99),
    reconnects: counters.reconnects,
  };
}

/** The load is over: stop retrying and report each run's end, as an agent whose runs completed. */
async function endRuns(): Promise<{ ended: number; failed: Record<string, number> }> {
  const failed: Record<string, number> = {};
  let ended = 0;
  for (const agent of agents) {
    clearTimeout(agent.sendTimer);
    clearTimeout(agent.retryTimer);
    agent.retryTimer = undefined;
    agent.streaming = false;
  }
  if (system !== "product") return { ended: 0, failed };
  await Promise.all(
    agents.map(async (agent) => {
      if (!agent.socket || !agent.runId) return;
      try {
        await endRun(agent.socket, agent.runId, "completed", agent.seq);
        ended += 1;
      } catch (error) {
        const message = (error as Error).message.slice(0, 160);
        failed[message] = (failed[message] ?? 0) + 1;
      }
    }),
  );
  return { ended, failed };
}

function disconnect(): void {
  for (const agent of agents) {
    clearTimeout(agent.sendTimer);
    clearTimeout(agent.retryTimer);
    agent.retryTimer = undefined;
    agent.streaming = false;
    agent.inFlight = false;
    agent.queue = [];
    agent.socket?.removeAllListeners();
    agent.socket?.disconnect();
    agent.socket = undefined;
    agent.ws?.terminate();
    agent.ws = undefined;
    agent.connectedOnce = false;
  }
}

serveCommands(
  async (command) => {
    switch (command.type) {
      case "init":
        agents = (command.hosts as SimHost[]).map((host) => new SimAgent(host));
        total = command.total as number;
        return { agents: agents.length };
      case "connect":
        return connect(command as unknown as { system: System; urls: string[]; timeoutMs: number });
      case "start-runs":
        return startRuns(command as unknown as { runIds: string[]; timeoutMs: number });
      case "stream":
        return stream(command as unknown as { startAt: number; stopAt: number; window: MeasuredWindow });
      case "report":
        return report();
      case "end-runs":
        return endRuns();
      case "disconnect":
        disconnect();
        return {};
      default:
        throw new Error(`unknown command ${command.type}`);
    }
  },
  () => disconnect(),
);
