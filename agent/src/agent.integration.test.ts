// The real agent process, real bpftrace on real tracepoints, the real
// socket.io server and PostgreSQL. Needs root (bpftrace) and tracefs.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFrames } from "@/lib/server/frames/frame-reads.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { stopRun } from "@/lib/server/use-cases/stop-run.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";
import { startRealtimeServer } from "@/test/realtime-server.ts";
import { startAgentProcess, type AgentProcess } from "@/test/agent-process.ts";
import { processesWithArgument, waitFor } from "@/test/processes.ts";

const key = testSigningKey();
let t: TestDatabase;
let server: Awaited<ReturnType<typeof startRealtimeServer>>;
let agent: AgentProcess;
let engineer: TestUser;
let reviewer: TestUser;
let sre: TestUser;
let host: { hostId: string; hostName: string; credential: string };

/** A program with a unique marker, so its bpftrace process can be found in /proc. */
function sleepLatencyProgram(marker: string): string {
  return `// ${marker}
tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:ms:500 { print(@usecs); }
`;
}

/** Sleeps of about 1 ms in a loop: the traced workload. */
function sleepWorkload(seconds: number) {
  return spawn("python3", ["-c", `import time\nend = time.time() + ${seconds}\nwhile time.time() < end: time.sleep(0.001)`], { stdio: "ignore" });
}

async function approve(source: string, durationSec: number): Promise<string> {
  const { revisionId } = await createProgram(t.db, engineer, { name: "sleep latency", source, durationSec, targetHostIds: [host.hostId] }, { maxDurationSec: 600 });
  const { runIds } = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "test" }, reviewDeps(key));
  return runIds[0]!;
}

const endedRun = (runId: string, timeoutMs = 30_000) =>
  waitFor(
    `run ${runId} to end`,
    async () => {
      const run = await t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, endReason: true, endDetail: true, lastSeq: true } });
      return run.status === "ENDED" ? run : null;
    },
    timeoutMs,
  );

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
  reviewer = await createUser(t.db, ["REVIEWER"]);
  sre = await createUser(t.db, ["SRE"]);
  host = await enrollTestHost(t.db, await createUser(t.db, ["ADMIN"]));
  server = await startRealtimeServer(t.db, t.url);
  agent = startAgentProcess({ serverUrl: server.url, credential: host.credential, publicKey: key.publicKey, hostName: host.hostName, extraArgs: ["--stop-grace-sec", "3"] });
  await waitFor("the agent to connect", async () => (await t.db.host.findUniqueOrThrow({ where: { id: host.hostId }, select: { facts: true } })).facts);
});

afterAll(async () => {
  const code = await agent?.stop();
  expect(code, agent?.output()).toBe(0);
  await server?.close();
  await t?.drop();
});

describe("the agent runs approved programs with real bpftrace", () => {
  it("streams histogram frames with non-zero buckets and stops at the duration limit, leaving no bpftrace behind", async () => {
    const marker = `wb-test-${randomBytes(4).toString("hex")}`;
    const workload = sleepWorkload(8);
    try {
      const runId = await approve(sleepLatencyProgram(marker), 3);
      await waitFor("bpftrace to start", () => processesWithArgument(marker).length > 0, 15_000);
      const run = await endedRun(runId);
      expect(run.endReason, agent.output()).toBe("DURATION_LIMIT");
      expect(run.endDetail).toMatch(/3 s duration limit/);

      const frames = await listFrames(t.db, runId, { afterSeq: 0, limit: 100_000 });
      expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1)); // every frame, once, in order
      expect(run.lastSeq).toBe(frames.length);
      const histograms = frames.flatMap((f) => (f.record.type === "hist" ? [f.record] : []));
      // Printed every 500 ms for 3 s, plus bpftrace's exit dump after SIGINT.
      expect(histograms.length).toBeGreaterThanOrEqual(4);
      const last = histograms.at(-1)!;
      expect(last.map).toBe("@usecs");
      const counts = last.series[0]!.buckets.map((b) => Number(b.count));
      expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
      // ~1 ms sleeps land in the 1024-2047 us log2 bucket or near it.
      expect(last.series[0]!.buckets.some((b) => Number(b.min) >= 512 && Number(b.count) > 0)).toBe(true);

      expect(processesWithArgument(marker)).toEqual([]);
    } finally {
      workload.kill();
    }
  });

  it("stops a run when a user stops it, and records who did", async () => {
    const marker = `wb-test-${randomBytes(4).toString("hex")}`;
    const runId = await approve(sleepLatencyProgram(marker), 120);
    await waitFor("bpftrace to start", () => processesWithArgument(marker).length > 0, 15_000);
    await stopRun(t.db, sre, runId);
    const run = await endedRun(runId, 15_000);
    expect(run.endReason).toBe("STOPPED");
    expect(run.endDetail).toBe(`stopped by ${sre.name}`);
    expect(processesWithArgument(marker)).toEqual([]);
  });

  it("reports bpftrace's own error message when the program does not compile", async () => {
    const runId = await approve("tracepoint:syscalls:sys_enter_clock_nanosleep { @x = count( }", 10);
    const run = await endedRun(runId, 15_000);
    expect(run.endReason).toBe("FAILED");
    expect(run.endDetail).toMatch(/ERROR/);
    expect(run.endDetail).not.toMatch(/RLIMIT_MEMLOCK/);
  });
});
