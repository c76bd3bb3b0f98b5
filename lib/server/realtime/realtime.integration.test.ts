// The socket.io server as agents and browsers meet it: authentication in the
// handshake, and every event's payload validated before it reaches a use case.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import { AGENT_NAMESPACE, LIVE_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/shared/sockets.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey } from "@/test/factories.ts";
import { startRealtimeServer } from "@/test/realtime-server.ts";

let t: TestDatabase;
let server: Awaited<ReturnType<typeof startRealtimeServer>>;
let hostA: { hostId: string; hostName: string; credential: string };
let hostB: { hostId: string; hostName: string; credential: string };
let runOfA: string;
const sockets: Socket[] = [];

function connect(namespace: string, auth?: Record<string, unknown>): Socket {
  const socket = io(`${server.url}${namespace}`, { path: SOCKET_PATH, auth, transports: ["websocket"], reconnection: false });
  sockets.push(socket);
  return socket;
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });

const request = (socket: Socket, event: string, payload: unknown) => socket.timeout(5000).emitWithAck(event, payload) as Promise<Ack<unknown>>;

beforeAll(async () => {
  t = await createTestDatabase();
  const admin = await createUser(t.db, ["ADMIN"]);
  const engineer = await createUser(t.db, ["ENGINEER"]);
  const reviewer = await createUser(t.db, ["REVIEWER"]);
  hostA = await enrollTestHost(t.db, admin);
  hostB = await enrollTestHost(t.db, admin);
  const { revisionId } = await createProgram(t.db, engineer, { name: "p", source: "BEGIN { exit(); }", durationSec: 5, targetHostIds: [hostA.hostId] }, { maxDurationSec: 60 });
  runOfA = (await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "ok" }, reviewDeps(testSigningKey()))).runIds[0]!;
  server = await startRealtimeServer(t.db, t.url);
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server?.close();
  await t?.drop();
});

describe("agent namespace", () => {
  it("refuses a missing or unknown credential in the handshake", async () => {
    await expect(connected(connect(AGENT_NAMESPACE))).rejects.toMatchObject({ data: { code: "UNAUTHENTICATED" } });
    await expect(connected(connect(AGENT_NAMESPACE, { token: "wba_forged-credential-aaaaaaaaaaaaaaaaaaaa" }))).rejects.toMatchObject({
      message: "Unknown or revoked agent credential.",
    });
  });

  it("answers a wrongly shaped event with an error, not a crash", async () => {
    const agent = connect(AGENT_NAMESPACE, { token: hostA.credential });
    await connected(agent);
    expect(await request(agent, "run:frames", { runId: runOfA, frames: "lots" })).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    expect(await request(agent, "run:end", { runId: runOfA, reason: "because" })).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    expect(await request(agent, "orders:pull", { sneaky: true })).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    // Still connected and serving: the same socket pulls its order.
    const pulled = await request(agent, "orders:pull", {});
    expect(pulled).toMatchObject({ ok: true });
    expect((pulled as { value: { orders: { runId: string }[] } }).value.orders.map((o) => o.runId)).toEqual([runOfA]);
  });

  it("another host's agent sees none of the run and cannot write frames or end it", async () => {
    const other = connect(AGENT_NAMESPACE, { token: hostB.credential });
    await connected(other);
    expect(await request(other, "orders:pull", {})).toEqual({ ok: true, value: { orders: [] } });
    expect(await request(other, "run:start", { runId: runOfA, startedAt: Date.now() })).toEqual({ ok: true, value: { start: false, reason: "no such run for this host" } });
    const frame = { runId: runOfA, seq: 1, at: Date.now(), record: { type: "value", value: 1 } };
    expect(await request(other, "run:frames", { runId: runOfA, frames: [frame] })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(await request(other, "run:end", { runId: runOfA, reason: "failed", detail: "forged", endedAt: Date.now(), lastSeq: 0 })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(await t.db.run.findUniqueOrThrow({ where: { id: runOfA }, select: { status: true } })).toEqual({ status: "QUEUED" });
  });
});

describe("live namespace", () => {
  it("refuses a browser without a session", async () => {
    await expect(connected(connect(LIVE_NAMESPACE))).rejects.toMatchObject({ message: "Sign in first." });
  });
});
