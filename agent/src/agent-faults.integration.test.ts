// Faults without loss: the real server restarted during a real run, the
// agent's frame buffer filling up while the server is away, and the agent's
// credential revoked. Real agent process, real bpftrace, real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MapRecord, TextRecord } from "@/lib/shared/bpftrace/records.ts";
import type { GapRecord } from "@/lib/shared/frame.ts";
import { revokeHost } from "@/lib/server/use-cases/revoke-host.ts";
import { startRealtimeServer } from "@/test/realtime-server.ts";
import { agentLogLines } from "@/test/agent-process.ts";
import { processesWithArgument, waitFor } from "@/test/processes.ts";
import { agentConnected, approve, endedRun, framesOf, marked, startScenario, startScenarioAgent, stopScenario, type Scenario } from "@/test/agent-scenario.ts";

let s: Scenario;

beforeAll(async () => {
  s = await startScenario();
});

afterAll(async () => {
  await stopScenario(s);
});

/** Prints "tick N" ten times a second; its exit dump repeats the last N, so a missing tick would show. */
const TICKER = 'interval:ms:100 { @n = @n + 1; printf("tick %d\\n", @n); }\n';

async function restartServer(downMs: number): Promise<void> {
  const { port } = s.server;
  await s.server.close();
  await new Promise((resolve) => setTimeout(resolve, downMs));
  s.server = await startRealtimeServer(s.t.db, s.t.url, { port });
}

describe("faults without loss", () => {
  it("restarts the real server during a real run: every frame bpftrace printed reaches the database exactly once, in order", async () => {
    const runId = await approve(s, marked(TICKER).source, 9);
    await waitFor("the first frames to be stored", async () => (await framesOf(s, runId)).length >= 5, 15_000);
    await restartServer(3000);
    const run = await endedRun(s, runId, 60_000);
    expect(run.endReason, run.endDetail ?? "").toBe("DURATION_LIMIT");

    const frames = await framesOf(s, runId);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    expect(run.lastSeq).toBe(frames.length);
    const ticks = frames.filter((f) => f.kind === "printf").map((f) => (f.payload as TextRecord).text);
    expect(ticks.length).toBeGreaterThan(60);
    expect(ticks).toEqual(ticks.map((_, i) => `tick ${i + 1}\n`));
    // bpftrace's exit dump: the last value it counted is the last tick stored, so none is missing at the end either.
    const dump = frames
      .filter((f) => f.kind === "map")
      .map((f) => f.payload as MapRecord)
      .at(-1)!;
    expect(dump.entries[0]!.value).toBe(ticks.length);
    expect(agentLogLines(s.agent.output(), "disconnected from the server").length).toBeGreaterThan(0);
  });

  it("when its frame buffer fills while the server is away, says so, and the run records the gap", async () => {
    await s.agent.stop();
    const restartedAt = new Date();
    s.agent = startScenarioAgent(s, ["--spool-max-mb", "0.01"], s.agent.dir);
    await agentConnected(s, restartedAt);
    const padded = `interval:ms:100 { @n = @n + 1; printf("tick %d ${"x".repeat(300)}\\n", @n); }\n`;
    const runId = await approve(s, marked(padded).source, 8);
    await waitFor("the first frames to be stored", async () => (await framesOf(s, runId)).length >= 3, 15_000);
    await restartServer(4000);
    const run = await endedRun(s, runId, 60_000);
    expect(run.endDetail).toMatch(/\d+ frames were dropped because the agent's frame buffer was full while the server was unreachable/);
    expect(agentLogLines(s.agent.output(), "frame buffer full: dropping frames until the server takes some").length).toBeGreaterThan(0);

    const frames = await framesOf(s, runId);
    const gaps = frames.filter((f) => f.kind === "gap").map((f) => f.payload as GapRecord);
    expect(gaps.length).toBeGreaterThan(0);
    // Every seq up to the last is stored or inside a recorded gap: nothing went missing silently.
    const stored = new Set(frames.map((f) => f.seq));
    const missing = Array.from({ length: run.lastSeq }, (_, i) => i + 1).filter((seq) => !stored.has(seq));
    expect(missing.length).toBeGreaterThan(0);
    for (const seq of missing) expect(gaps.some((gap) => seq >= gap.fromSeq && seq <= gap.toSeq)).toBe(true);
  });

  it("when its credential is revoked, stops its runs, says why, and exits", async () => {
    const { marker, source } = marked(TICKER);
    const runId = await approve(s, source, 120);
    await waitFor("bpftrace to start", () => processesWithArgument(marker).length > 0, 15_000);
    await revokeHost(s.t.db, s.admin, s.host.hostId);
    const code = await s.agent.exited;
    expect(code).toBe(78);
    expect(processesWithArgument(marker)).toEqual([]);
    expect(agentLogLines(s.agent.output(), "the server refused this agent's credential; stopping every run")[0]?.message).toMatch(/revoked by/);
    expect(s.agent.output()).toMatch(/the server revoked this host's credential .*; re-enroll the host/);
    const run = await endedRun(s, runId);
    expect(run.endReason).toBe("REVOKED");
    expect(run.endDetail).toBe(`the credential of ${s.host.hostName} was revoked by ${s.admin.name}`);
  });
});
