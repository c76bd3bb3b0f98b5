// The live path as agents and viewers meet it, against the real PostgreSQL:
// every frame checked in full before anything is stored, nothing stored after
// a run's end, many agents' batches committed together, each viewer sent one
// message per window with every frame of every run it watches, floods of
// requests refused without starving anyone else, and a viewer's socket cut
// when its session ends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Frame } from "@/lib/shared/frame.ts";
import { AGENT_NAMESPACE, LIVE_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/shared/sockets.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { disableUser } from "@/lib/server/use-cases/disable-user.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { signOut } from "@/lib/server/use-cases/sign-out.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";
import { liveSessionCookie, useServerEnvironment } from "@/test/live-session.ts";
import { waitFor } from "@/test/processes.ts";
import { startRealtimeServer } from "@/test/realtime-server.ts";

let t: TestDatabase;
let server: Awaited<ReturnType<typeof startRealtimeServer>>;
let admin: TestUser;
let engineer: TestUser;
let reviewer: TestUser;
let sre: TestUser;
type Host = { hostId: string; hostName: string; credential: string; socket: Socket };
const hosts: Host[] = [];
let batchId: string;
let runIds: string[];
const sockets: Socket[] = [];

function connect(namespace: string, options: { auth?: Record<string, unknown>; cookie?: string } = {}): Socket {
  const socket = io(`${server.url}${namespace}`, {
    path: SOCKET_PATH,
    auth: options.auth,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    ...(options.cookie ? { extraHeaders: { cookie: options.cookie } } : {}),
  });
  sockets.push(socket);
  return socket;
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });

const request = (socket: Socket, event: string, payload: unknown) => socket.timeout(15_000).emitWithAck(event, payload) as Promise<Ack<Record<string, unknown>>>;

const hist = (map: string, counts: number[], key: string | null = null) => ({
  type: "hist" as const,
  map,
  series: [{ key, buckets: counts.map((count, i) => ({ min: 2 ** i, max: 2 ** (i + 1) - 1, count })), total: counts.reduce((a, b) => a + b, 0) }],
});
const frame = (runId: string, seq: number, record: unknown = hist("@usecs", [seq, 2, 3])) => ({ runId, seq, at: Date.now(), record });

async function storedSeqs(runId: string): Promise<number[]> {
  const run = await t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { frameKey: true } });
  return (await t.db.frame.findMany({ where: { runKey: run.frameKey }, orderBy: { seq: "asc" }, select: { seq: true } })).map((row) => row.seq);
}

const lastSeqOf = async (runId: string) => (await t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { lastSeq: true } })).lastSeq;

beforeAll(async () => {
  t = await createTestDatabase();
  useServerEnvironment(t.url);
  [admin, engineer, reviewer, sre] = await Promise.all([createUser(t.db, ["ADMIN"]), createUser(t.db, ["ENGINEER"]), createUser(t.db, ["REVIEWER"]), createUser(t.db, ["SRE"])]);
  const enrolled = await Promise.all([0, 1, 2, 3].map(() => enrollTestHost(t.db, admin)));
  const { revisionId } = await createProgram(
    t.db,
    engineer,
    { name: "fleet", source: "interval:s:1 { @usecs = hist(1); }", durationSec: 600, targetHostIds: enrolled.map((host) => host.hostId), canary: { periodSec: 0 } },
    { maxDurationSec: 3600 },
  );
  const outcome = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "ok" }, reviewDeps(testSigningKey()));
  batchId = outcome.reviewId;
  server = await startRealtimeServer(t.db, t.url);
  const runs = await t.db.run.findMany({ where: { approvalId: batchId }, select: { id: true, hostId: true } });
  for (const host of enrolled) {
    const socket = connect(AGENT_NAMESPACE, { auth: { token: host.credential } });
    await connected(socket);
    hosts.push({ ...host, socket });
  }
  runIds = hosts.map((host) => runs.find((run) => run.hostId === host.hostId)!.id);
  for (const [i, host] of hosts.entries()) {
    expect(await request(host.socket, "run:start", { runId: runIds[i], startedAt: Date.now() })).toMatchObject({ ok: true, value: { start: true } });
  }
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server?.close();
  await t?.drop();
});

describe("frames from agents", () => {
  it("refuses a batch with any malformed record as a whole (BAD_REQUEST), stores nothing of it, and takes the next batch", async () => {
    const runId = runIds[0]!;
    const agent = hosts[0]!.socket;
    const good = hist("@usecs", [1, 2]);
    const malformed: [string, unknown][] = [
      ["a hist without series", { type: "hist", map: "@usecs" }],
      ["series null", { type: "hist", map: "@usecs", series: null }],
      ["series a string", { type: "hist", map: "@usecs", series: "lots" }],
      ["a bucket count that is not an integer", { ...good, series: [{ key: null, buckets: [{ min: 1, max: 1, count: "abc" }], total: 1 }] }],
      ["buckets a string", { ...good, series: [{ key: null, buckets: "x", total: 1 }] }],
      ["a map key with a NUL character", { type: "map", map: "@by_comm", entries: [{ key: "bash\u0000", value: 1 }] }],
      [
        "an overhead record with a text percentage",
        { type: "overhead", windowSec: 1, cpuPercent: "high", bpfPercent: 0, bpftracePercent: 0, budgetPercent: 1, eventsPerSec: 0, programs: [] },
      ],
      ["an unknown record type", { type: "surprise" }],
    ];
    for (const [what, record] of malformed) {
      // The bad record sits after a good one: neither is stored.
      const reply = await request(agent, "run:frames", { runId, frames: [frame(runId, 1, good), frame(runId, 2, record)] });
      expect(reply, what).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    }
    const badDeltas = [
      { ...frame(runId, 1, good), delta: "x" },
      { ...frame(runId, 1, good), delta: hist("@other", [1]) },
      { ...frame(runId, 1, { type: "printf", text: "hi" }), delta: hist("@usecs", [1]) },
    ];
    for (const bad of badDeltas) expect(await request(agent, "run:frames", { runId, frames: [bad] })).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    const badBatches = [
      { runId, frames: [frame(runId, 2_147_483_648)] },
      { runId, frames: [frame(runId, 2), frame(runId, 1)] },
      { runId, frames: [frame(runIds[1]!, 1)] },
      { runId, frames: [{ ...frame(runId, 1), at: -5 }] },
    ];
    for (const batch of badBatches) expect(await request(agent, "run:frames", batch)).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    expect(await storedSeqs(runId)).toEqual([]);
    expect(await lastSeqOf(runId)).toBe(0);

    // Nothing is stuck behind them.
    expect(await request(agent, "run:frames", { runId, frames: [frame(runId, 1), frame(runId, 2)] })).toEqual({ ok: true, value: { stored: 2, ackSeq: 2 } });
    expect(await storedSeqs(runId)).toEqual([1, 2]);
  });

  it("refuses frames sent after the run's end (CONFLICT) and stores nothing of them", async () => {
    const runId = runIds[3]!;
    const agent = hosts[3]!.socket;
    expect(await request(agent, "run:frames", { runId, frames: [frame(runId, 1)] })).toMatchObject({ ok: true });
    expect(await request(agent, "run:end", { runId, reason: "completed", detail: null, endedAt: Date.now(), lastSeq: 1 })).toMatchObject({ ok: true });
    const late = await request(agent, "run:frames", { runId, frames: [frame(runId, 2), frame(runId, 3)] });
    expect(late).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    // Not even a resend of a stored seq with other content changes the evidence.
    expect(await request(agent, "run:frames", { runId, frames: [frame(runId, 1, { type: "printf", text: "rewritten" })] })).toMatchObject({
      ok: false,
      error: { code: "CONFLICT" },
    });
    expect(await storedSeqs(runId)).toEqual([1]);
    expect(await lastSeqOf(runId)).toBe(1);
  });
});

describe("viewers", () => {
  it("a batch's viewer gets every frame of every host once, in order, in fewer messages than frames", async () => {
    const viewer = connect(LIVE_NAMESPACE, { cookie: (await liveSessionCookie(t.db, sre)).cookie });
    await connected(viewer);
    const messages: Frame[][] = [];
    viewer.on("frames", (frames: Frame[]) => messages.push(frames));
    const snapshot = await request(viewer, "batch:watch", { batchId });
    expect(snapshot).toMatchObject({ ok: true });
    expect((snapshot as unknown as { value: { runs: { id: string }[] } }).value.runs.map((run) => run.id).sort()).toEqual([...runIds].sort());

    // Three agents send five batches each, all at once: stored in shared statements, relayed in shared windows.
    const live = [1, 2];
    const sends = live.flatMap((i) => [3, 4, 5, 6, 7].map((seq) => ({ i, seq })));
    const replies = await Promise.all(
      live.map(async (i) => {
        const answers = [];
        for (const { seq } of sends.filter((send) => send.i === i))
          answers.push(await request(hosts[i]!.socket, "run:frames", { runId: runIds[i], frames: [frame(runIds[i]!, seq)] }));
        return answers;
      }),
    );
    for (const answers of replies) for (const answer of answers) expect(answer).toMatchObject({ ok: true });
    await waitFor("every frame to reach the viewer", () => messages.flat().filter((f) => f.runId !== runIds[0]).length >= sends.length, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const i of live) {
      const seqs = messages
        .flat()
        .filter((f) => f.runId === runIds[i])
        .map((f) => f.seq);
      expect(seqs).toEqual([3, 4, 5, 6, 7]);
    }
    expect(messages.length).toBeLessThan(sends.length);
  });

  it("refuses a flood of watch requests from one socket with TOO_MANY_REQUESTS, while another user is served", async () => {
    const flooder = connect(LIVE_NAMESPACE, { cookie: (await liveSessionCookie(t.db, sre)).cookie });
    const bystander = connect(LIVE_NAMESPACE, { cookie: (await liveSessionCookie(t.db, engineer)).cookie });
    await Promise.all([connected(flooder), connected(bystander)]);
    const flood = Array.from({ length: 500 }, () => request(flooder, "run:watch", { runId: runIds[1] }));
    // Meanwhile another person watches, and writes go through.
    const [watched, program] = await Promise.all([
      request(bystander, "run:watch", { runId: runIds[2] }),
      createProgram(t.db, engineer, { name: "meanwhile", source: "BEGIN { exit(); }", durationSec: 5, targetHostIds: [hosts[0]!.hostId] }, { maxDurationSec: 60 }),
    ]);
    expect(watched).toMatchObject({ ok: true, value: { run: { id: runIds[2] } } });
    expect(program.revisionId).toEqual(expect.any(String));
    const answers = await Promise.all(flood);
    const refused = answers.filter((answer) => !answer.ok && answer.error.code === "TOO_MANY_REQUESTS");
    expect(refused.length).toBeGreaterThanOrEqual(490);
    expect(refused[0]).toMatchObject({ error: { message: expect.stringContaining("at once") } });
    expect(answers.filter((answer) => answer.ok).length).toBeGreaterThan(0);
  });

  it("cuts a watching viewer's socket within seconds of its sign-out, and of its account being disabled", async () => {
    const signedOut = await liveSessionCookie(t.db, sre);
    const viewer = connect(LIVE_NAMESPACE, { cookie: signedOut.cookie });
    await connected(viewer);
    expect(await request(viewer, "run:watch", { runId: runIds[1] })).toMatchObject({ ok: true });
    const cut = new Promise<number>((resolve) => viewer.once("disconnect", () => resolve(Date.now())));
    const at = Date.now();
    await signOut(t.db, signedOut.sessionId);
    expect((await cut) - at).toBeLessThan(2000);

    const doomed = await createUser(t.db, ["SRE"]);
    const other = connect(LIVE_NAMESPACE, { cookie: (await liveSessionCookie(t.db, doomed)).cookie });
    await connected(other);
    expect(await request(other, "batch:watch", { batchId })).toMatchObject({ ok: true });
    const frames: Frame[] = [];
    other.on("frames", (batch: Frame[]) => frames.push(...batch));
    const otherCut = new Promise<void>((resolve) => other.once("disconnect", () => resolve()));
    await disableUser(t.db, admin, doomed.id, { reason: "left the company" });
    await otherCut;
    // Nothing reaches it any more; a new connection with the same cookie is refused.
    expect(await request(hosts[1]!.socket, "run:frames", { runId: runIds[1], frames: [frame(runIds[1]!, 8)] })).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(frames.some((f) => f.seq === 8)).toBe(false);
  });
});
