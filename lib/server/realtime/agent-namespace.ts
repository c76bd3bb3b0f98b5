import "server-only";
import type { Namespace, Socket } from "socket.io";
import {
  agentHelloSchema,
  agentStateSchema,
  ordersPullSchema,
  runEndSchema,
  runFramesSchema,
  runStartSchema,
  trustPullSchema,
  type AgentToServerEvents,
  type RunEnd,
  type RunStart,
  type ServerToAgentEvents,
} from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { recordHostSeen } from "@/lib/server/data/hosts.ts";
import { publicError } from "@/lib/server/errors.ts";
import { logInfo } from "@/lib/server/log.ts";
import { authenticateAgent } from "@/lib/server/use-cases/authenticate-agent.ts";
import { finishRuns } from "@/lib/server/use-cases/finish-run.ts";
import { listRunOrders } from "@/lib/server/use-cases/list-run-orders.ts";
import { listTrustStatements } from "@/lib/server/use-cases/list-trust-statements.ts";
import { recordAgentHello } from "@/lib/server/use-cases/record-agent-hello.ts";
import { recordAgentState } from "@/lib/server/use-cases/record-agent-state.ts";
import { recordAgentFrames, type AgentFramesDeps } from "@/lib/server/frames/record-agent-frames.ts";
import { startRuns, type StartAnswer } from "@/lib/server/use-cases/start-runs.ts";
import { withAck } from "./acks.ts";
import { RequestBatcher } from "./request-batcher.ts";

type AgentSocketData = { agent: AgentIdentity };
export type AgentNamespace = Namespace<AgentToServerEvents, ServerToAgentEvents, Record<string, never>, AgentSocketData>;
type AgentSocket = Socket<AgentToServerEvents, ServerToAgentEvents, Record<string, never>, AgentSocketData>;

export const hostRoom = (hostId: string) => `host:${hostId}`;

export function setUpAgentNamespace(namespace: AgentNamespace, deps: { db: Db; frames: AgentFramesDeps }): void {
  const { db } = deps;
  // A fleet's agents start, and end, their runs within a second of each other: one transaction for all who asked meanwhile.
  const starts = new RequestBatcher<{ agent: AgentIdentity; request: RunStart }, StartAnswer>((requests) => startRuns(db, requests));
  const ends = new RequestBatcher<{ agent: AgentIdentity; report: RunEnd }, null>(async (reports) => (await finishRuns(db, reports)).map((error) => error ?? null));

  // The credential travels in the handshake's auth payload (never in the URL, which proxies log).
  namespace.use((socket, next) => {
    authenticateAgent(db, (socket.handshake.auth as { token?: unknown } | undefined)?.token).then(
      (agent) => {
        socket.data.agent = agent;
        next();
      },
      (error: unknown) => next(Object.assign(new Error(publicError(error).message), { data: publicError(error) })),
    );
  });

  namespace.on("connection", (socket: AgentSocket) => {
    const agent = socket.data.agent;
    void socket.join(hostRoom(agent.hostId));
    logInfo("agent connected", { host: agent.hostName });

    socket.on(
      "agent:hello",
      withAck(agentHelloSchema, async (hello) => {
        await recordAgentHello(db, agent, hello);
        if (hello.localStop) await recordAgentState(db, agent, { localStop: hello.localStop });
        return { hostName: agent.hostName };
      }),
    );
    socket.on(
      "agent:state",
      withAck(agentStateSchema, async (state) => {
        await recordAgentState(db, agent, state);
        return {};
      }),
    );
    socket.on(
      "orders:pull",
      withAck(ordersPullSchema, async (request) => ({ orders: await listRunOrders(db, agent, request) })),
    );
    socket.on(
      "trust:pull",
      withAck(trustPullSchema, async (request) => ({ statements: await listTrustStatements(db, request.afterSeq) })),
    );
    socket.on(
      "run:start",
      withAck(runStartSchema, (request) => starts.submit({ agent, request })),
    );
    // Stored before the acknowledgement (group commit): an agent only forgets a frame the database has.
    socket.on(
      "run:frames",
      withAck(runFramesSchema, (batch) => recordAgentFrames(deps.frames, agent, batch)),
    );
    socket.on(
      "run:end",
      withAck(runEndSchema, async (report) => {
        await ends.submit({ agent, report });
        return {};
      }),
    );
    socket.on("disconnect", (reason) => {
      logInfo("agent disconnected", { host: agent.hostName, reason });
      void recordHostSeen(db, agent.hostId).catch(() => {});
    });
  });
}
