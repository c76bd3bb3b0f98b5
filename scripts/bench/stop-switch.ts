// npm run bench:stop-switch: how long after an SRE engages the stop switch
// every agent has stopped bpftrace (issue 11: within 2 s). Printed, not
// asserted (figures vary with the machine and its load).
//
// The real server (socket.io on PostgreSQL, as the tests start it), two real
// agent processes (`workbench-agent run`) each running real bpftrace, and
// BENCH_SIM_AGENTS (default 500) simulated agents: stand-ins for a fleet this
// machine cannot host, speaking the real /agent protocol from this process
// (hello, orders:pull, run:start; on run:stop they report the end at once, as
// the agent does once bpftrace has exited). One approval for every host with
// no canary, every run started, then one stop switch for every run:
//   - the engage call (one transaction: every run ended or asked to stop),
//   - for each real agent, from the call to its bpftrace gone from /proc,
//   - for the simulated fleet, from the call to each run:stop received,
//   - from the call to every run ENDED in the database.
// Needs root (bpftrace) and PostgreSQL (TEST_DATABASE_ADMIN_URL, default
// postgresql://postgres@127.0.0.1:5432/postgres); creates and drops a database.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { AGENT_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/shared/sockets.ts";
import { createDbClient, setDb, type Db } from "@/lib/server/db/client.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { engageStopSwitch } from "@/lib/server/use-cases/engage-stop-switch.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey } from "../../test/factories.ts";
import { startRealtimeServer } from "../../test/realtime-server.ts";
import { startAgentProcess, type AgentProcess } from "../../test/agent-process.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { processesWithArgument } from "../../test/processes.ts";

const SIM_AGENTS = Number(process.env.BENCH_SIM_AGENTS ?? 500);
const REAL_AGENTS = 2;
const say = (line = "") => process.stdout.write(line + "\n");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The scratch database (bench-database.ts) with the Prisma client the use cases run on. */
async function createDatabase(): Promise<{ url: string; db: Db; drop(): Promise<void> }> {
  const database = await createBenchDatabase();
  const db = createDbClient(database.url);
  setDb(db);
  return {
    url: database.url,
    db,
    async drop() {
      await db.$disconnect();
      await database.drop();
    },
  };
}

/** A stand-in agent on the real protocol: starts its one order and, asked to stop, notes when and reports the end. */
class SimAgent {
  readonly socket: Socket;
  runId: string | null = null;
  stopAskedAt: number | null = null;

  constructor(url: string, credential: string) {
    this.socket = io(`${url}${AGENT_NAMESPACE}`, { path: SOCKET_PATH, auth: { token: credential }, transports: ["websocket"], reconnection: false, forceNew: true });
    this.socket.on("run:stop", (request: { runId: string }) => {
      if (request.runId !== this.runId || this.stopAskedAt !== null) return;
      this.stopAskedAt = performance.now();
      void this.call("run:end", { runId: this.runId, reason: "stopped", detail: "stopped as the workbench asked", endedAt: Date.now(), lastSeq: 0 }).catch(() => {});
    });
  }

  async call<T>(event: string, payload: unknown): Promise<T> {
    const reply = (await this.socket.timeout(30_000).emitWithAck(event, payload)) as Ack<T>;
    if (!reply.ok) throw new Error(`${event}: ${reply.error.message}`);
    return reply.value;
  }

  async join(): Promise<void> {
    await this.call("agent:hello", { agentVersion: "bench-simulated", facts: { kernelRelease: "6.1.0-sim", bpftraceVersion: "v0.17.0", arch: "x86_64" }, activeRunIds: [] });
  }

  async start(): Promise<void> {
    const { orders } = await this.call<{ orders: { runId: string }[] }>("orders:pull", {});
    this.runId = orders[0]!.runId;
    const { start } = await this.call<{ start: boolean }>("run:start", { runId: this.runId, startedAt: Date.now() });
    if (!start) throw new Error("a simulated agent was told not to start");
  }
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  const database = await createDatabase();
  const server = await startRealtimeServer(database.db, database.url);
  const key = testSigningKey();
  const agents: AgentProcess[] = [];
  const sims: SimAgent[] = [];
  const workload = spawn("python3", ["-c", "import time\nwhile True: time.sleep(0.001)"], { stdio: "ignore" });
  try {
    const [admin, engineer, reviewer, sre] = await Promise.all([
      createUser(database.db, ["ADMIN"]),
      createUser(database.db, ["ENGINEER"]),
      createUser(database.db, ["REVIEWER"]),
      createUser(database.db, ["SRE"]),
    ]);
    const real: { hostId: string; hostName: string; credential: string }[] = [];
    for (let i = 0; i < REAL_AGENTS; i++) real.push(await enrollTestHost(database.db, admin, `real-${i}-${randomBytes(2).toString("hex")}`));
    const simulated: { hostId: string; hostName: string; credential: string }[] = [];
    for (let i = 0; i < SIM_AGENTS; i++) simulated.push(await enrollTestHost(database.db, admin, `sim-${String(i).padStart(4, "0")}`));
    for (const host of real) {
      agents.push(
        startAgentProcess({ serverUrl: server.url, credential: host.credential, publicKey: key.publicKey, hostName: host.hostName, extraArgs: ["--stop-grace-sec", "3"] }),
      );
    }
    for (const host of simulated) sims.push(new SimAgent(server.url, host.credential));
    await inBatches(sims, 50, (sim) => sim.join());
    await until(
      "the real agents to say hello",
      async () => (await database.db.host.findMany({ where: { id: { in: real.map((host) => host.hostId) } }, select: { facts: true } })).every((row) => row.facts),
      30_000,
      200,
    );

    const marker = `wb-bench-stop-${randomBytes(3).toString("hex")}`;
    const source = `// ${marker}\ntracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }\ntracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ { @usecs = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]); }\ninterval:s:1 { print(@usecs); }\n`;
    const { revisionId } = await createProgram(
      database.db,
      engineer,
      { name: "stop switch bench", source, durationSec: 600, targetHostIds: [...real, ...simulated].map((host) => host.hostId), canary: { periodSec: 0 } },
      { maxDurationSec: 600, maxHostsPerApproval: 20_000 },
    );
    await reviewRevision(database.db, reviewer, revisionId, { decision: "approve", reason: "bench" }, reviewDeps(key, { maxHostsPerApproval: 20_000 }));
    await inBatches(sims, 50, (sim) => sim.start());
    await until("bpftrace on every real agent", () => processesWithArgument(marker).length >= REAL_AGENTS, 30_000, 100);
    await until("every run started", async () => (await database.db.run.count({ where: { revisionId, status: "RUNNING" } })) === REAL_AGENTS + SIM_AGENTS, 30_000, 200);
    await sleep(2_000);

    // The switch. Real agents: polled in /proc every 5 ms until their bpftrace is gone.
    const pids = processesWithArgument(marker).map((p) => p.pid);
    const gone = new Map<number, number>();
    const started = performance.now();
    const engaging = engageStopSwitch(database.db, sre, { scope: { kind: "all" }, reason: "bench: stop everything" });
    const watching = until(
      "every real agent's bpftrace to exit",
      () => {
        const alive = new Set(processesWithArgument(marker).map((p) => p.pid));
        for (const pid of pids) if (!alive.has(pid) && !gone.has(pid)) gone.set(pid, performance.now() - started);
        return gone.size === pids.length;
      },
      30_000,
      5,
    );
    const engaged = await engaging;
    const engageMs = performance.now() - started;
    await watching;
    await until("every simulated agent to hear run:stop", () => sims.every((sim) => sim.stopAskedAt !== null), 30_000, 10);
    await until("every run ENDED in the database", async () => (await database.db.run.count({ where: { revisionId, status: { not: "ENDED" } } })) === 0, 60_000, 50);
    const allEndedMs = performance.now() - started;

    const realMs = [...gone.values()].sort((a, b) => a - b);
    const simMs = sims.map((sim) => sim.stopAskedAt! - started).sort((a, b) => a - b);
    say(`stop switch over ${REAL_AGENTS} real agents (real bpftrace) and ${SIM_AGENTS} simulated agents (real /agent protocol), ${engaged.stoppedRunning} running runs:`);
    say(`  engage (one transaction: every run asked to stop, audited, notified): ${engageMs.toFixed(0)} ms`);
    say(`  real agents, switch to bpftrace gone: ${realMs.map((ms) => `${ms.toFixed(0)} ms`).join(", ")}`);
    say(`  simulated agents, switch to run:stop received: p50 ${pct(simMs, 50).toFixed(0)} ms, p99 ${pct(simMs, 99).toFixed(0)} ms, max ${simMs.at(-1)!.toFixed(0)} ms`);
    say(`  switch to every run ENDED in the database: ${allEndedMs.toFixed(0)} ms`);
  } finally {
    workload.kill("SIGKILL");
    for (const sim of sims) sim.socket.disconnect();
    await Promise.all(agents.map((agent) => agent.stop()));
    await server.close();
    await database.drop();
  }
}

await main();
