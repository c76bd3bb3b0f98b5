// TUF's "endless data" and "slow retrieval" attacks, and malformed answers,
// against the agent's real link and a real socket.io server that misbehaves.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Server } from "socket.io";
import { AGENT_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import { MAX_SERVER_MESSAGE_BYTES, ServerLink, type ServerLinkHandlers } from "./server-link.ts";

type Behaviour = (event: string, payload: unknown, ack: (reply: unknown) => void) => void;

let http: HttpServer | undefined;
let io: Server | undefined;
let link: ServerLink | undefined;

afterEach(async () => {
  link?.close();
  await new Promise<void>((resolve) => {
    if (io) void io.close(() => resolve());
    else resolve();
  });
  http = undefined;
  io = undefined;
});

async function serve(behaviour: Behaviour): Promise<{ url: string; disconnects: string[] }> {
  http = createServer();
  // The test server itself accepts anything: the cap under test is the agent's.
  io = new Server(http, { path: SOCKET_PATH, maxHttpBufferSize: 64 * 1024 * 1024 });
  const disconnects: string[] = [];
  io.of(AGENT_NAMESPACE).on("connection", (socket) => {
    socket.onAny((event: string, payload: unknown, ack: unknown) => behaviour(event, payload, ack as (reply: unknown) => void));
    socket.on("disconnect", (reason) => disconnects.push(reason));
  });
  await new Promise<void>((resolve) => http!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, disconnects };
}

function connect(url: string, overrides: Partial<ServerLinkHandlers> = {}): Promise<ServerLink> {
  return new Promise((resolve) => {
    const handlers: ServerLinkHandlers = {
      onConnect: () => resolve(link!),
      onDisconnect: () => {},
      onOrdersAvailable: () => {},
      onTrustUpdated: () => {},
      onStopRequest: () => {},
      onDryRun: async () => {
        throw new Error("unused");
      },
      onRejected: () => {},
      log: () => {},
      ...overrides,
    };
    link = new ServerLink(url, "wba_test-credential-that-is-long-enough", handlers);
  });
}

describe("TUF attack: endless data", () => {
  it("drops the connection instead of reading an answer larger than any the server should send", async () => {
    const { url, disconnects } = await serve((event, _payload, ack) => {
      if (event === "orders:pull")
        ack({ ok: true, value: { orders: [{ runId: "r", envelope: { payload: "A".repeat(MAX_SERVER_MESSAGE_BYTES + 1024), payloadType: "x", signatures: [] } }] } });
    });
    const agent = await connect(url);
    await expect(agent.request("orders:pull", { limit: 8 }, 5000)).rejects.toThrow(/did not answer/);
    await expect.poll(() => disconnects.length, { timeout: 5000 }).toBeGreaterThan(0);
  });

  it("refuses more orders in one answer than it asked for could ever be", async () => {
    const { url } = await serve((event, _payload, ack) => {
      if (event === "orders:pull")
        ack({ ok: true, value: { orders: Array.from({ length: 51 }, (_, i) => ({ runId: `r${i}`, envelope: { payload: "", payloadType: "x", signatures: [] } })) } });
    });
    const agent = await connect(url);
    await expect(agent.request("orders:pull", { limit: 8 })).rejects.toThrow(/malformed answer to orders:pull/);
  });

  it("refuses an answer of the wrong shape", async () => {
    const { url } = await serve((event, _payload, ack) => {
      if (event === "run:start") ack({ ok: true, value: { start: "yes please" } });
    });
    const agent = await connect(url);
    await expect(agent.request("run:start", { runId: "r", startedAt: 1 })).rejects.toThrow(/malformed answer to run:start/);
  });
});

describe("TUF attack: slow retrieval", () => {
  it("gives up on a request the server never answers, after its timeout", async () => {
    const { url } = await serve(() => {});
    const agent = await connect(url);
    const started = Date.now();
    await expect(agent.request("orders:pull", { limit: 8 }, 300)).rejects.toThrow(/did not answer orders:pull within 300 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("messages from the server", () => {
  it("ignores a malformed stop request, and passes on a valid one", async () => {
    const stops: string[] = [];
    const logged: string[] = [];
    await serve(() => {});
    const url = `http://127.0.0.1:${(http!.address() as AddressInfo).port}`;
    await connect(url, { onStopRequest: (runId, _reason, cause) => stops.push(`${runId}:${cause}`), log: (message) => logged.push(message) });
    const [socket] = await io!.of(AGENT_NAMESPACE).fetchSockets();
    socket!.emit("run:stop", { runId: 42 });
    socket!.emit("run:stop", { runId: "run-1", reason: "stopped by Sam", cause: "revoked" });
    await expect.poll(() => stops).toEqual(["run-1:revoked"]);
    expect(logged).toContain("ignored a malformed run:stop");
  });

  it("reports a revocation notice as a rejected credential", async () => {
    let rejected: string | undefined;
    await serve(() => {});
    const url = `http://127.0.0.1:${(http!.address() as AddressInfo).port}`;
    await connect(url, { onRejected: (message) => (rejected = message) });
    const [socket] = await io!.of(AGENT_NAMESPACE).fetchSockets();
    socket!.emit("agent:revoked", { reason: "the credential of db-1 was revoked by Ada" });
    await expect.poll(() => rejected).toBe("the credential of db-1 was revoked by Ada");
  });
});
