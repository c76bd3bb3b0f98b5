import { io, type Socket } from "socket.io-client";
import {
  AGENT_NAMESPACE,
  SOCKET_PATH,
  type Ack,
  type AgentToServerEvents,
  type ServerToAgentEvents,
} from "@/lib/shared/socket-events.ts";
import { AgentError } from "./errors.ts";

type AgentSocket = Socket<ServerToAgentEvents, AgentToServerEvents>;
type AckValue<E extends keyof AgentToServerEvents> =
  Parameters<AgentToServerEvents[E]>[1] extends (reply: Ack<infer T>) => void ? T : never;

export type ServerLinkHandlers = {
  onConnect(): void;
  onDisconnect(reason: string): void;
  onOrdersAvailable(): void;
  onStopRequest(runId: string, reason: string, cause: "user" | "revoked"): void;
  /** The server refused the credential: revoked or never valid. */
  onRejected(message: string): void;
};

/**
 * The agent's one connection to the server. socket.io reconnects by itself
 * with exponential backoff and jitter (1 s doubling to 30 s, ±50%), so a
 * fleet of agents does not reconnect in lockstep after a server restart.
 * Every request has a timeout; a request on a closed link fails at once.
 */
export class ServerLink {
  private readonly socket: AgentSocket;

  constructor(serverUrl: string, credential: string, handlers: ServerLinkHandlers) {
    this.socket = io(new URL(AGENT_NAMESPACE, serverUrl).toString(), {
      path: SOCKET_PATH,
      auth: { token: credential },
      transports: ["websocket"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 30_000,
      randomizationFactor: 0.5,
      timeout: 10_000,
    });
    this.socket.on("connect", handlers.onConnect);
    this.socket.on("disconnect", (reason) => handlers.onDisconnect(reason));
    this.socket.on("orders:available", handlers.onOrdersAvailable);
    this.socket.on("run:stop", (request) => {
      if (typeof request?.runId !== "string") return;
      handlers.onStopRequest(request.runId, String(request.reason ?? "stopped by a user"), request.cause === "revoked" ? "revoked" : "user");
    });
    this.socket.on("connect_error", (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === "UNAUTHENTICATED") {
        this.socket.disconnect();
        handlers.onRejected(error.message);
      }
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  async request<E extends keyof AgentToServerEvents>(
    event: E,
    payload: Parameters<AgentToServerEvents[E]>[0],
    timeoutMs = 15_000,
  ): Promise<AckValue<E>> {
    if (!this.socket.connected) throw new AgentError("UNAVAILABLE", "not connected to the server");
    // socket.io's typed emitWithAck cannot express a generic event name; the reply is checked below.
    const timed = this.socket.timeout(timeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<Ack<AckValue<E>>> };
    let reply: Ack<AckValue<E>>;
    try {
      reply = await timed.emitWithAck(event, payload);
    } catch {
      throw new AgentError("UNAVAILABLE", `the server did not answer ${event} within ${timeoutMs} ms`);
    }
    if (!reply || typeof reply !== "object") throw new AgentError("UNAVAILABLE", `malformed answer to ${event}`);
    if (!reply.ok) throw new AgentError("REFUSED", `${event}: ${reply.error.code}: ${reply.error.message}`);
    return reply.value;
  }

  close(): void {
    this.socket.disconnect();
  }
}
