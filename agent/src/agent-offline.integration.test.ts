// Failing closed when the server is gone: the real server stopped mid-run
// (not restarted at once), with the real agent process, real bpftrace and
// PostgreSQL. Runs go on to their signed deadlines, their frames wait in the
// spool, and nothing starts until the server is back and says yes.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TextRecord } from "@/lib/shared/bpftrace/records.ts";
import { startRealtimeServer } from "@/test/realtime-server.ts";
import { agentLogLines } from "@/test/agent-process.ts";
import { processesWithArgument, waitFor } from "@/test/processes.ts";
import { approve, endedRun, framesOf, marked, runStatus, startScenario, stopScenario, type Scenario } from "@/test/agent-scenario.ts";

const GRACE_SEC = 2;
const OFFLINE = `the server has been unreachable for ${GRACE_SEC} s: offline; no order starts until it is back, running runs continue to their signed deadlines`;
let s: Scenario;

beforeAll(async () => {
  s = await startScenario({ agentArgs: ["--max-concurrent-runs", "1", "--offline-grace-sec", String(GRACE_SEC)] });
});

afterAll(async () => {
  await stopScenario(s);
});

const TICKER = 'interval:ms:100 { @n = @n + 1; printf("tick %d\\n", @n); }\n';

/** Samples the process list until `done`: whether a process running `marker` was ever seen. */
function watchFor(marker: string): { seen: () => boolean; stop: () => void } {
  let seen = false;
  const timer = setInterval(() => {
    if (processesWithArgument(marker).length > 0) seen = true;
  }, 50);
  return { seen: () => seen, stop: () => clearInterval(timer) };
}

async function stopServer(): Promise<number> {
  const { port } = s.server;
  await s.server.close();
  return port;
}

describe("without the server", () => {
  it("runs a started run to its signed deadline, delivers its frames once the server is back, and starts a queued order only then", async () => {
    const running = await approve(s, marked(TICKER).source, 6);
    await waitFor("the first frames to be stored", async () => (await framesOf(s, running)).length >= 5, 15_000);
    const queued = marked(TICKER);
    const queuedId = await approve(s, queued.source, 2);
    expect(await runStatus(s, queuedId)).toBe("QUEUED"); // the only slot is taken
    const watch = watchFor(queued.marker);
    try {
      const port = await stopServer();
      await waitFor("the running run to end offline", () => agentLogLines(s.agent.output(), "run ended").some((line) => line.runId === running), 20_000);
      await waitFor("the agent to count itself offline", () => agentLogLines(s.agent.output(), OFFLINE).length > 0, 10_000);
      // A free slot, no server: the queued order stays where it is.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(watch.seen()).toBe(false);

      const backAt = new Date();
      s.server = await startRealtimeServer(s.t.db, s.t.url, { port });
      const run = await endedRun(s, running, 60_000);
      expect(run.endReason, run.endDetail ?? "").toBe("DURATION_LIMIT");
      expect(run.endedAt!.getTime()).toBeLessThan(backAt.getTime()); // it ended at its deadline, while the server was away
      const frames = await framesOf(s, running);
      expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
      expect(run.lastSeq).toBe(frames.length);
      const ticks = frames.filter((f) => f.kind === "printf").map((f) => (f.payload as TextRecord).text);
      expect(ticks.length).toBeGreaterThan(40);
      expect(ticks).toEqual(ticks.map((_, i) => `tick ${i + 1}\n`));

      const next = await endedRun(s, queuedId, 60_000);
      expect(next.endReason, next.endDetail ?? "").toBe("DURATION_LIMIT");
      expect(next.startedAt!.getTime()).toBeGreaterThanOrEqual(backAt.getTime());
      expect(watch.seen()).toBe(true);
      expect(agentLogLines(s.agent.output(), "the server is back after the agent was offline").length).toBeGreaterThan(0);
    } finally {
      watch.stop();
    }
  });

  it("never starts an order it admitted before the outage when the server never confirmed its start: past the grace it gives it up and says why", async () => {
    // Long enough that the waiting order below is still queued when its row is locked, however slow the machine.
    const busy = await approve(s, marked(TICKER).source, 6);
    await waitFor("the busy run to start", async () => (await runStatus(s, busy)) === "RUNNING", 15_000);
    const waiting = marked(TICKER);
    const waitingId = await approve(s, waiting.source, 30);
    // Hold the waiting run's row, so the server's answer to the agent's run:start hangs until the server is gone.
    const lock = new pg.Client({ connectionString: s.t.url });
    await lock.connect();
    // Who waits is read on another connection: inside the lock's transaction,
    // pg_stat_activity would show the snapshot of its first read until the end.
    const observer = new pg.Client({ connectionString: s.t.url });
    await observer.connect();
    const lockWaiters = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
    const watch = watchFor(waiting.marker);
    try {
      await lock.query("BEGIN");
      const { rows: held } = await lock.query('SELECT status FROM "Run" WHERE id = $1 FOR UPDATE', [waitingId]);
      expect(held, "the waiting order started before its row was held: the busy run ended too soon").toEqual([{ status: "QUEUED" }]);
      expect(await runStatus(s, busy)).toBe("RUNNING");
      await waitFor(
        "the agent's run:start to wait on the row",
        async () => {
          const { rows } = await observer.query(lockWaiters);
          return rows.length > 0 ? (rows as { pid: number }[]) : null;
        },
        20_000,
      );
      const port = await stopServer();
      // The start never happened on the server's side either: the waiting transaction is cancelled, the run stays queued.
      await observer.query(`SELECT pg_cancel_backend(pid) FROM (${lockWaiters}) AS waiting`);
      await lock.query("ROLLBACK");
      expect(await runStatus(s, waitingId)).toBe("QUEUED");

      const offline = await waitFor(
        "the agent to give the order up",
        () => agentLogLines(s.agent.output(), OFFLINE).find((line) => (line.givingUp as string[]).includes(waitingId)),
        15_000,
      );
      expect(offline.givingUp).toEqual([waitingId]);
      s.server = await startRealtimeServer(s.t.db, s.t.url, { port });
      const run = await endedRun(s, waitingId, 60_000);
      expect(run.endReason).toBe("REFUSED");
      expect(run.endDetail).toBe(
        `the agent refused the order (offline): the server became unreachable before it confirmed the start, and stayed away for more than the agent's ${GRACE_SEC} s grace; the run was not started`,
      );
      expect(run.startedAt).toBeNull();
      expect(watch.seen()).toBe(false);
    } finally {
      watch.stop();
      await lock.end();
      await observer.end();
    }
  });
});
