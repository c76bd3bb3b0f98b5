import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import { AGENT_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/shared/sockets.ts";
import {
  agentRevokedSchema,
  dryRunRequestSchema,
  runStopSchema,
  type AgentToServerEvents,
  type DryRunRequest,
  type DryRunResult,
  type ServerToAgentEvents,
} from "@/lib/protocol/agent-events.ts";
import { MAX_ENVELOPE_JSON_BYTES } from "@/lib/protocol/run-order.ts";
import { AgentError } from "./errors.ts";

type AgentSocket = Socket<ServerToAgentEvents, AgentToServerEvents>;

/**
 * The largest message the agent accepts from the server: a pull of up to
 * ORDERS_PER_PULL orders of at most MAX_ENVELOPE_JSON_BYTES each, and some room.
 * The WebSocket library closes the connection on anything bigger (it counts
 * the bytes before decoding them), and compression is off so a small message
 * cannot inflate into a large one.
 */
export const ORDERS_PER_PULL = 8;
export const MAX_SERVER_MESSAGE_BYTES = ORDERS_PER_PULL * MAX_ENVELOPE_JSON_BYTES + 256 * 1024;
const REQUEST_TIMEOUT_MS = 15_000;

// Every answer is checked before the agent acts on it; the server is not trusted to send what it should.
const envelopeShape = z.object({ payload: z.string(), payloadType: z.string(), signatures: z.array(z.unknown()) }).passthrough();
const replySchemas = {
  "agent:hello": z.object({ hostName: z.string() }).passthrough(),
  "agent:state": z.object({}).passthrough(),
  "orders:pull": z.object({ orders: z.array(z.object({ runId: z.string().min(1).max(64), envelope: envelopeShape }).strict()).max(50) }).strict(),
  "run:start": z.object({ start: z.boolean(), reason: z.string().nullable() }).strict(),
  "run:frames": z.object({ stored: z.number().int().nonnegative(), ackSeq: z.number().int().nonnegative() }).strict(),
  "run:end": z.object({}).passthrough(),
  "trust:pull": z.object({ statements: z.array(z.object({ seq: z.number().int().positive(), envelope: envelopeShape }).strict()).max(100) }).strict(),
} satisfies Record<keyof AgentToServerEvents, z.ZodType>;

type Reply<E extends keyof AgentToServerEvents> = z.infer<(typeof replySchemas)[E]>;

export type ServerLinkHandlers = {
  onConnect(): void;
  onDisconnect(reason: string): void;
  onOrdersAvailable(): void;
  onTrustUpdated(): void;
  onStopRequest(runId: string, reason: string, cause: "user" | "revoked"): void;
  onDryRun(request: DryRunRequest): Promise<DryRunResult>;
  /** The server refused or revoked the credential. */
  onRejected(message: string): void;
  log(message: string, fields?: Record<string, unknown>): void;
};

/**
 * The agent's one connection to the server. socket.io reconnects by itself
 * with exponential backoff and jitter (1 s doubling to 30 s, ±50%), so a
 * fleet of agents does not reconnect in lockstep after a server restart.
 * Every request has a timeout and every answer a size cap and a schema; a
 * request on a closed link fails at once.
 */
export class ServerLink {
  private readonly socket: AgentSocket;
  private rejected = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    serverUrl: string,
    credential: string,
    private readonly handlers: ServerLinkHandlers,
  ) {
    this.socket = io(new URL(AGENT_NAMESPACE, serverUrl).toString(), {
      path: SOCKET_PATH,
      auth: { token: credential },
      transports: ["websocket"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 30_000,
      randomizationFactor: 0.5,
      timeout: 10_000,
      // Passed to the `ws` client: messages above the cap close the connection unread.
      maxPayload: MAX_SERVER_MESSAGE_BYTES,
      perMessageDeflate: false,
    } as unknown as Parameters<typeof io>[1]);
    this.socket.on("connect", handlers.onConnect);
    this.socket.on("disconnect", (reason) => {
      handlers.onDisconnect(reason);
      // socket.io does not reconnect after the server closed the connection itself; the agent does,
      // after a pause, and learns then whether its credential is still good.
      if (reason === "io server disconnect" && !this.rejected) {
        this.reconnectTimer = setTimeout(() => this.socket.connect(), 1000 + Math.random() * 4000);
      }
    });
    this.socket.on("orders:available", handlers.onOrdersAvailable);
    this.socket.on("trust:updated", handlers.onTrustUpdated);
    this.socket.on("run:stop", (payload: unknown) => {
      const request = runStopSchema.safeParse(payload);
      if (!request.success) return handlers.log("ignored a malformed run:stop", { issue: request.error.issues[0]?.message });
      handlers.onStopRequest(request.data.runId, request.data.reason, request.data.cause);
    });
    this.socket.on("agent:revoked", (payload: unknown) => {
      const notice = agentRevokedSchema.safeParse(payload);
      this.reject(notice.success ? notice.data.reason : "this host's credential was revoked");
    });
    this.socket.on("dryrun:request", (payload: unknown, ack: unknown) => {
      if (typeof ack !== "function") return;
      const reply = ack as (answer: Ack<DryRunResult>) => void;
      const request = dryRunRequestSchema.safeParse(payload);
      if (!request.success) {
        reply({ ok: false, error: { code: "BAD_REQUEST", message: `invalid dry-run request: ${request.error.issues[0]?.message}` } });
        return;
      }
      handlers.onDryRun(request.data).then(
        (value) => reply({ ok: true, value }),
        (error: unknown) => reply({ ok: false, error: { code: "INTERNAL", message: `the agent could not run the dry run: ${(error as Error).message}` } }),
      );
    });
    this.socket.on("connect_error", (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === "UNAUTHENTICATED") this.reject(error.message);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  async request<E extends keyof AgentToServerEvents>(event: E, payload: Parameters<AgentToServerEvents[E]>[0], timeoutMs = REQUEST_TIMEOUT_MS): Promise<Reply<E>> {
    if (!this.socket.connected) throw new AgentError("UNAVAILABLE", "not connected to the server");
    // socket.io's typed emitWithAck cannot express a generic event name; the reply is checked below.
    const timed = this.socket.timeout(timeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<unknown> };
    let reply: unknown;
    try {
      reply = await timed.emitWithAck(event, payload);
    } catch {
      throw new AgentError("UNAVAILABLE", `the server did not answer ${event} within ${timeoutMs} ms`);
    }
    const ack = reply as Ack<unknown> | null;
    if (!ack || typeof ack !== "object" || typeof ack.ok !== "boolean") throw new AgentError("UNAVAILABLE", `malformed answer to ${event}`);
    if (!ack.ok) {
      const code = String(ack.error?.code).slice(0, 40);
      throw new AgentError("REFUSED", `${event}: ${code}: ${String(ack.error?.message).slice(0, 500)}`, code);
    }
    const value = replySchemas[event].safeParse(ack.value);
    if (!value.success) throw new AgentError("UNAVAILABLE", `malformed answer to ${event}: ${value.error.issues[0]?.message}`);
    return value.data as Reply<E>;
  }

  close(): void {
    clearTimeout(this.reconnectTimer);
    this.socket.disconnect();
  }

  private reject(message: string): void {
    if (this.rejected) return;
    this.rejected = true;
    clearTimeout(this.reconnectTimer);
    this.socket.disconnect();
    this.handlers.onRejected(message);
  }
}
