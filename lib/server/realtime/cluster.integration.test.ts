// Two real server processes (server.ts, built) sharing one PostgreSQL and the
// real Redis, behind a failover proxy as a load balancer would put them; the
// real agent running real bpftrace connects through the proxy, a viewer to
// the other process. Frames cross processes through Redis; killing the
// agent's process mid-run loses and duplicates nothing. Needs root, bpftrace,
// Redis at 127.0.0.1:6379 and `npm run build`.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Frame } from "@/lib/shared/frame.ts";
import { LIVE_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/shared/sockets.ts";
import type { LiveResync } from "@/lib/views/live-events.ts";
import { listFrames } from "@/lib/server/frames/frame-reads.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { agentLogLines, startAgentProcess, type AgentProcess } from "@/test/agent-process.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";
import { startFailoverProxy } from "@/test/failover-proxy.ts";
import { waitFor } from "@/test/processes.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

let t: TestDatabase;
let a: WebServer;
let b: WebServer;
let proxy: Awaited<ReturnType<typeof startFailoverProxy>>;
let agent: AgentProcess | undefined;
let engineer: TestUser;
let reviewer: TestUser;
let sre: TestUser;
let host: { hostId: string; hostName: string; credential: string };
const key = testSigningKey();
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const admin = await createUser(t.db, ["ADMIN"]);
  [engineer, reviewer, sre] = await Promise.all([createUser(t.db, ["ENGINEER"]), createUser(t.db, ["REVIEWER"]), createUser(t.db, ["SRE"])]);
  host = await enrollTestHost(t.db, admin);
  // Two processes of one deployment: the same database, session secret and Redis (a channel prefix of this test's own).
  const shared = { NEXTAUTH_SECRET: randomBytes(32).toString("hex"), WORKBENCH_REDIS_URL: REDIS_URL, WORKBENCH_REDIS_CHANNEL_PREFIX: `wbtest-${randomBytes(4).toString("hex")}` };
  [a, b] = await Promise.all([startWebServer(t.url, shared), startWebServer(t.url, shared)]);
  proxy = await startFailoverProxy([a.port, b.port]);
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await agent?.stop();
  await proxy?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await t?.drop();
});

/** A browser on one process: live frames as they come, and what it reads back over HTTP for the gaps it notices (as the run page does). */
async function viewerOn(server: WebServer, runId: string) {
  const cookie = await signInCookie(server.url, sre.email, sre.password);
  const socket = io(`${server.url}${LIVE_NAMESPACE}`, { path: SOCKET_PATH, transports: ["websocket"], extraHeaders: { cookie }, forceNew: true });
  sockets.push(socket);
  const live: number[] = [];
  const backfilled = new Set<number>();
  let highest = 0;
  let ended = false;
  const readBack = async (fromSeq: number, toSeq: number) => {
    const response = await fetch(`${server.url}/api/runs/${runId}/frames?afterSeq=${fromSeq - 1}&limit=${toSeq - fromSeq + 1}`, { headers: { cookie } });
    for (const frame of ((await response.json()) as { frames: Frame[] }).frames) backfilled.add(frame.seq);
  };
  const pending: Promise<void>[] = [];
  socket.on("frames", (frames: Frame[]) => {
    for (const frame of frames.filter((f) => f.runId === runId)) {
      if (highest > 0 && frame.seq > highest + 1) pending.push(readBack(highest + 1, frame.seq - 1));
      highest = Math.max(highest, frame.seq);
      live.push(frame.seq);
    }
  });
  socket.on("live:resync", (missed: LiveResync) => {
    for (const run of missed.runs) if (run.runId === runId) pending.push(readBack(run.fromSeq, run.fromSeq + 10_000));
  });
  socket.on("runs:state", (states: { id: string; status: string }[]) => {
    if (states.some((state) => state.id === runId && state.status === "ENDED")) ended = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const watched = (await socket.timeout(10_000).emitWithAck("run:watch", { runId })) as Ack<{ frames: Frame[] }>;
  if (!watched.ok) throw new Error(watched.error.message);
  for (const frame of watched.value.frames) backfilled.add(frame.seq);
  return { live, backfilled, ended: () => ended, settled: () => Promise.all(pending) };
}

describe("several server processes", () => {
  it("relays an agent's frames on one process to a viewer on the other, and survives the agent's process dying mid-run", async () => {
    agent = startAgentProcess({
      serverUrl: `http://127.0.0.1:${proxy.port}`,
      credential: host.credential,
      publicKey: key.publicKey,
      hostName: host.hostName,
      extraArgs: ["--stop-grace-sec", "3"],
    });
    await waitFor(
      "the agent to connect through the proxy (to process A)",
      async () => (await t.db.host.findUniqueOrThrow({ where: { id: host.hostId }, select: { facts: true } })).facts,
      30_000,
    );
    const { revisionId } = await createProgram(
      t.db,
      engineer,
      { name: "ticks", source: "interval:ms:5 { @usecs = hist(nsecs % 100000 / 1000); } interval:ms:200 { print(@usecs); }", durationSec: 9, targetHostIds: [host.hostId] },
      { maxDurationSec: 60 },
    );
    const { runIds } = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "cluster test" }, reviewDeps(key));
    const runId = runIds[0]!;
    const viewer = await viewerOn(b, runId);

    // Frames stored by process A reach the viewer on process B, once each, in order.
    await waitFor("frames relayed from A to a viewer on B", () => viewer.live.length >= 10, 30_000);
    expect(viewer.live).toEqual([...viewer.live].sort((x, y) => x - y));
    expect(new Set(viewer.live).size).toBe(viewer.live.length);

    // Process A dies; the agent reconnects through the proxy to B, and its spool carries what A never acknowledged.
    await a.kill();
    const seenBeforeKill = Math.max(...viewer.live);
    await waitFor("the run to end", async () => (await t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } })).status === "ENDED", 40_000);
    await waitFor("the viewer to hear the run ended", () => viewer.ended(), 10_000);
    await viewer.settled();

    const run = await t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { lastSeq: true, endReason: true } });
    expect(run.endReason).toBe("DURATION_LIMIT");
    const stored = (await listFrames(t.db, runId, { afterSeq: 0, limit: 100_000 })).map((frame) => frame.seq);
    const all = Array.from({ length: run.lastSeq }, (_, i) => i + 1);
    // Every frame the agent produced is in the database exactly once, and reached the viewer live or by reading back.
    expect(stored).toEqual(all);
    expect([...new Set([...viewer.live, ...viewer.backfilled])].sort((x, y) => x - y)).toEqual(all);
    // Nothing reached it live twice; after the kill, frames kept coming live (stored by B itself).
    expect(new Set(viewer.live).size).toBe(viewer.live.length);
    expect(viewer.live.some((seq) => seq > seenBeforeKill)).toBe(true);
    expect(agentLogLines(agent.output(), "connected to the server").length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
