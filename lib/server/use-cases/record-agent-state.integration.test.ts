// What an agent reports about its local stop switch, over the real socket
// server into PostgreSQL: stored on its own host only, audited once per
// change, shown to whoever reads hosts, and a malformed report refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import { AGENT_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/shared/sockets.ts";
import { listHostsFor } from "@/lib/server/use-cases/read-hosts.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost, type TestUser } from "@/test/factories.ts";
import { startRealtimeServer } from "@/test/realtime-server.ts";

let t: TestDatabase;
let server: Awaited<ReturnType<typeof startRealtimeServer>>;
let sre: TestUser;
let hostA: { hostId: string; hostName: string; credential: string };
let hostB: { hostId: string; hostName: string; credential: string };
let agentA: Socket;

const request = (socket: Socket, event: string, payload: unknown) => socket.timeout(5000).emitWithAck(event, payload) as Promise<Ack<unknown>>;

async function connectAgent(credential: string): Promise<Socket> {
  const socket = io(`${server.url}${AGENT_NAMESPACE}`, { path: SOCKET_PATH, auth: { token: credential }, transports: ["websocket"], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  return socket;
}

const localStopOf = async (hostId: string) => (await listHostsFor(t.db, sre)).find((host) => host.id === hostId)!.localStop;
const auditOf = (hostId: string) =>
  t.db.auditEvent.findMany({
    where: { targetType: "host", targetId: hostId },
    orderBy: { id: "asc" },
    select: { action: true, actorType: true, actorId: true, fromState: true, toState: true, reason: true },
  });

beforeAll(async () => {
  t = await createTestDatabase();
  const admin = await createUser(t.db, ["ADMIN"]);
  sre = await createUser(t.db, ["SRE"]);
  hostA = await enrollTestHost(t.db, admin);
  hostB = await enrollTestHost(t.db, admin);
  server = await startRealtimeServer(t.db, t.url);
  agentA = await connectAgent(hostA.credential);
});

afterAll(async () => {
  agentA?.disconnect();
  await server?.close();
  await t?.drop();
});

describe("an agent's local stop switch", () => {
  it("is stored on the agent's own host, shown to readers of hosts, and audited once per change", async () => {
    const since = Date.parse("2026-11-30T08:00:00.000Z");
    const engaged = { localStop: { engaged: true, since, reason: "disk replacement (Dana)" } };
    expect(await request(agentA, "agent:state", engaged)).toEqual({ ok: true, value: {} });
    expect(await localStopOf(hostA.hostId)).toEqual({ since: new Date(since), reason: "disk replacement (Dana)" });
    expect(await localStopOf(hostB.hostId)).toBeNull();

    // Every reconnect says it again: nothing changes, nothing is audited twice.
    expect(await request(agentA, "agent:state", engaged)).toEqual({ ok: true, value: {} });
    expect(await request(agentA, "agent:state", { localStop: { engaged: true, since, reason: "disk replacement done, checking RAID" } })).toMatchObject({ ok: true });
    expect(await request(agentA, "agent:state", { localStop: { engaged: false, since: null, reason: null } })).toMatchObject({ ok: true });
    expect(await localStopOf(hostA.hostId)).toBeNull();
    expect((await auditOf(hostA.hostId)).filter((event) => event.action.startsWith("host.local-stop"))).toEqual([
      { action: "host.local-stop.engage", actorType: "host", actorId: hostA.hostId, fromState: "ACTIVE", toState: "STOPPED_LOCALLY", reason: "disk replacement (Dana)" },
      {
        action: "host.local-stop.engage",
        actorType: "host",
        actorId: hostA.hostId,
        fromState: "STOPPED_LOCALLY",
        toState: "STOPPED_LOCALLY",
        reason: "disk replacement done, checking RAID",
      },
      { action: "host.local-stop.release", actorType: "host", actorId: hostA.hostId, fromState: "STOPPED_LOCALLY", toState: "ACTIVE", reason: null },
    ]);
    expect((await auditOf(hostB.hostId)).filter((event) => event.action.startsWith("host.local-stop"))).toEqual([]);
  });

  it("comes with the hello too, and a time ahead of the server's clock is taken as now", async () => {
    const before = Date.now();
    const hello = {
      agentVersion: "0.3.0",
      facts: { kernelRelease: "6.18", bpftraceVersion: "v0.17.0", arch: "x86_64" },
      activeRunIds: [],
      localStop: { engaged: true, since: Date.parse("2099-01-01T00:00:00Z"), reason: null },
    };
    expect(await request(agentA, "agent:hello", hello)).toEqual({ ok: true, value: { hostName: hostA.hostName } });
    const stop = (await localStopOf(hostA.hostId))!;
    expect(stop.reason).toBeNull();
    expect(stop.since.getTime()).toBeGreaterThanOrEqual(before);
    expect(stop.since.getTime()).toBeLessThanOrEqual(Date.now());
    await request(agentA, "agent:state", { localStop: { engaged: false, since: null, reason: null } });
  });

  it("refuses a malformed report with a sentence and changes nothing", async () => {
    for (const payload of [
      { localStop: { engaged: true, since: 1, reason: "x".repeat(501) } },
      { localStop: { engaged: "yes", since: null, reason: null } },
      { localStop: { engaged: true, since: null, reason: null }, hostId: hostB.hostId },
      {},
    ]) {
      expect(await request(agentA, "agent:state", payload)).toMatchObject({ ok: false, error: { code: "BAD_REQUEST", message: expect.stringMatching(/\w/) } });
    }
    expect(await localStopOf(hostA.hostId)).toBeNull();
    expect(await localStopOf(hostB.hostId)).toBeNull();
  });
});
