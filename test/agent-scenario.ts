// What the agent's integration tests share: a database of their own, the real
// socket.io server, an enrolled host with the real agent process, and
// programs approved through the real review flow. Needs root (bpftrace).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { signEnvelope } from "@/lib/protocol/dsse.ts";
import { RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder, type RunOrder } from "@/lib/protocol/run-order.ts";
import { listFrames } from "@/lib/server/frames/frame-reads.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey, type TestUser } from "./factories.ts";
import { startRealtimeServer } from "./realtime-server.ts";
import { startAgentProcess, type AgentProcess } from "./agent-process.ts";
import { waitFor } from "./processes.ts";
import type { KeyringDeps } from "@/lib/server/signing/keyring.ts";
import type { Envelope } from "@/lib/protocol/dsse.ts";

export type Scenario = {
  t: TestDatabase;
  key: ReturnType<typeof testSigningKey>;
  engineer: TestUser;
  reviewer: TestUser;
  sre: TestUser;
  admin: TestUser;
  host: { hostId: string; hostName: string; credential: string };
  server: Awaited<ReturnType<typeof startRealtimeServer>>;
  agent: AgentProcess;
};

export async function startScenario(options: { agentArgs?: string[]; startAgent?: boolean; keyring?: (key: Scenario["key"]) => KeyringDeps } = {}): Promise<Scenario> {
  const t = await createTestDatabase();
  const key = testSigningKey();
  const keyring = options.keyring?.(key);
  const admin = await createUser(t.db, ["ADMIN"]);
  const scenario = {
    t,
    key,
    engineer: await createUser(t.db, ["ENGINEER"]),
    reviewer: await createUser(t.db, ["REVIEWER"]),
    sre: await createUser(t.db, ["SRE"]),
    admin,
    host: await enrollTestHost(t.db, admin),
    server: await startRealtimeServer(t.db, t.url, { keyring }),
  } as Scenario;
  if (options.startAgent !== false) {
    scenario.agent = startScenarioAgent(scenario, options.agentArgs);
    await agentConnected(scenario);
  }
  return scenario;
}

export function startScenarioAgent(s: Scenario, extraArgs: string[] = [], dir?: string): AgentProcess {
  return startAgentProcess({
    serverUrl: s.server.url,
    credential: s.host.credential,
    publicKey: s.key.publicKey,
    hostName: s.host.hostName,
    extraArgs: ["--stop-grace-sec", "3", ...extraArgs],
    dir,
  });
}

/** Waits until the agent said hello (its facts are stored) after `since`. */
export async function agentConnected(s: Scenario, since = new Date(0)): Promise<void> {
  await waitFor(
    "the agent to connect",
    async () => {
      const host = await s.t.db.host.findUniqueOrThrow({ where: { id: s.host.hostId }, select: { facts: true, lastSeenAt: true } });
      return host.facts && host.lastSeenAt && host.lastSeenAt >= since;
    },
    30_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; the agent said:\n${s.agent?.output() ?? ""}`);
  });
}

export async function stopScenario(s: Scenario | undefined): Promise<void> {
  await s?.agent?.stop();
  await s?.server?.close();
  await s?.t?.drop();
}

/** A program with a unique marker, so its bpftrace process can be found in /proc. */
export function marked(source: string): { marker: string; source: string } {
  const marker = `wb-test-${randomBytes(4).toString("hex")}`;
  return { marker, source: `// ${marker}\n${source}` };
}

export const SLEEP_LATENCY = `tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:ms:500 { print(@usecs); }
`;

/** Sleeps of about 1 ms in a loop: the traced workload. */
export function sleepWorkload(seconds: number): ChildProcess {
  return spawn("python3", ["-c", `import time\nend = time.time() + ${seconds}\nwhile time.time() < end: time.sleep(0.001)`], { stdio: "ignore" });
}

export type OrderTweak = (order: RunOrder) => RunOrder;

/**
 * Writes, submits and approves a program for the scenario's host; returns the
 * run id. `tweak` changes the order before it is signed (the server signs
 * what the test says, as a server configured that way would).
 */
export async function approve(
  s: Scenario,
  source: string,
  durationSec: number,
  tweak: OrderTweak = (o) => o,
  sign: (order: RunOrder) => Envelope = (order) => signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(order), s.key),
): Promise<string> {
  const { revisionId } = await createProgram(
    s.t.db,
    s.engineer,
    { name: `test ${randomBytes(3).toString("hex")}`, source, durationSec, targetHostIds: [s.host.hostId] },
    { maxDurationSec: 600 },
  );
  const deps = reviewDeps(s.key, { signRunOrder: (order) => sign(tweak(order)) });
  const { runIds } = await reviewRevision(s.t.db, s.reviewer, revisionId, { decision: "approve", reason: "test" }, deps);
  return runIds[0]!;
}

export type EndedRun = { status: string; endReason: string | null; endDetail: string | null; lastSeq: number; startedAt: Date | null; endedAt: Date | null };

export function endedRun(s: Scenario, runId: string, timeoutMs = 30_000): Promise<EndedRun> {
  return waitFor(
    `run ${runId} to end`,
    async () => {
      const run = await s.t.db.run.findUniqueOrThrow({
        where: { id: runId },
        select: { status: true, endReason: true, endDetail: true, lastSeq: true, startedAt: true, endedAt: true },
      });
      return run.status === "ENDED" ? run : null;
    },
    timeoutMs,
  );
}

export function runStatus(s: Scenario, runId: string): Promise<string> {
  return s.t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } }).then((run) => run.status);
}

/** The run's stored frames, as every reader gets them (lib/server/data/frames.ts). */
export async function framesOf(s: Scenario, runId: string): Promise<{ seq: number; kind: string; payload: unknown; delta: unknown }[]> {
  const frames = await listFrames(s.t.db, runId, { afterSeq: 0, limit: 1_000_000 });
  return frames.map((frame) => ({ seq: frame.seq, kind: frame.record.type, payload: frame.record, delta: frame.delta }));
}
