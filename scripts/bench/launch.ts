// npm run bench:launch: time to first histogram for a runbook launch, from
// the SRE's launch request to the first hist frame of the launch on a
// viewer's socket (a `batch:watch` of the launch, sent as soon as the launch
// answers, as the run page does). Two cases against the built server and
// PostgreSQL:
//   local      the real agent (agent/bin/workbench-agent.js) with real bpftrace
//              on this host; the runbook prints its histogram every 250 ms.
//   simulated  N simulated hosts on the real /agent protocol (scripts/bench/fleet/
//              protocol.ts and hist-frame.ts); each sends its first hist frame
//              250 ms after the server lets it start, then one a second.
// Prints one table row per case (README: "Runbook launch benchmark"). A
// benchmark, not a test: it asserts nothing.
//
//   npm run bench:launch -- [--local 10] [--simulated 500] [--simulated-launches 5]
//
// Needs root (bpftrace), the web build (bash scripts/setup/build-web.sh) and
// PostgreSQL at TEST_DATABASE_ADMIN_URL; creates a database and drops it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { generateKeyPairSync } from "node:crypto";
import type { Socket } from "socket.io-client";
import { createDbClient } from "@/lib/server/db/client.ts";
import { createUser } from "../../test/factories.ts";
import { startAgentProcess, type AgentProcess } from "../../test/agent-process.ts";
import { sleepWorkload } from "../../test/agent-scenario.ts";
import { signInCookie, startWebServer } from "../../test/web-server.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { connectAgentSocket, connectViewerSocket, pullOrders, request, sendFrames, sendHello, startRun } from "./fleet/protocol.ts";
import { histFrame, histRecords } from "./fleet/hist-frame.ts";
import { WorkbenchApi } from "./fleet/workbench-api.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const say = (line = "") => process.stdout.write(line + "\n");
const { values } = parseArgs({
  options: { local: { type: "string", default: "10" }, simulated: { type: "string", default: "500" }, "simulated-launches": { type: "string", default: "5" } },
});
const localLaunches = Number(values.local);
const simulatedHosts = Number(values.simulated);
const simulatedLaunches = Number(values["simulated-launches"]);
if (!fs.existsSync(path.join(ROOT, ".next/BUILD_ID"))) {
  process.stderr.write("bench:launch: the web app is not built: run `bash scripts/setup/build-web.sh` first\n");
  process.exit(2);
}

const PROGRAM = `// bench:launch: clock_nanosleep latency of one process ($1; 0 for every process)
tracepoint:syscalls:sys_enter_clock_nanosleep /$1 == 0 || pid == $1/ { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:ms:250 { print(@usecs); }
`;
const PARAMS = [{ name: "pid", description: "Process id, 0 for all", type: "integer", min: 0, max: 4194304, default: 0 }];

type FrameLike = { runId?: string; record?: { type?: string } };

/** Launches `times` times on `hostIds`; per launch, ms from the request to the first hist frame of one of its runs on the viewer. */
async function measure(
  sre: WorkbenchApi,
  viewer: Socket,
  programId: string,
  hostIds: string[],
  values: Record<string, number>,
  times: number,
  stopAfter: (runIds: string[]) => Promise<void>,
): Promise<number[]> {
  const figures: number[] = [];
  for (let i = 0; i < times; i++) {
    let resolveFirst: (at: number) => void = () => {};
    const first = new Promise<number>((resolve) => (resolveFirst = resolve));
    let runs = new Set<string>();
    const early: FrameLike[][] = [];
    const onFrames = (frames: FrameLike[]) => {
      if (runs.size === 0) early.push(frames);
      else if (frames.some((f) => f.record?.type === "hist" && runs.has(f.runId ?? ""))) resolveFirst(performance.now());
    };
    viewer.on("frames", onFrames);
    const started = performance.now();
    const launch = await sre.post<{ launchId: string; runIds: string[] }>(`/api/runbooks/${programId}/launches`, {
      hostIds,
      values,
      durationSec: 60,
      reason: `bench:launch ${i + 1}`,
    });
    runs = new Set(launch.runIds);
    const snapshot = await request<{ frames: FrameLike[] }>(viewer, "batch:watch", { batchId: launch.launchId }, 60_000);
    if ([...early, snapshot.frames].some((frames) => frames.some((f) => f.record?.type === "hist" && runs.has(f.runId ?? "")))) resolveFirst(performance.now());
    const at = await Promise.race([first, new Promise<number>((_, reject) => setTimeout(() => reject(new Error("no hist frame within 30 s")), 30_000))]);
    viewer.off("frames", onFrames);
    figures.push(at - started);
    await stopAfter(launch.runIds);
  }
  return figures;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
function row(name: string, hosts: number, figures: number[], target: number): string {
  const sorted = [...figures].sort((a, b) => a - b);
  const p50 = quantile(sorted, 0.5);
  return `| ${name} | ${hosts} | ${figures.length} | ${p50.toFixed(0)} | ${quantile(sorted, 0.9).toFixed(0)} | ${sorted.at(-1)!.toFixed(0)} | ${target} | ${p50 <= target ? "yes" : "no"} |`;
}

/** A simulated host: on `orders:available` it pulls, starts, and streams a hist frame 250 ms after starting and every second; it ends a run when told to stop. */
function simulatedHost(url: string, credential: string) {
  const socket = connectAgentSocket(url, credential);
  const records = histRecords();
  const timers = new Map<string, { timer: NodeJS.Timeout; seq: number }>();
  const send = (runId: string) => {
    const state = timers.get(runId);
    if (!state) return;
    state.seq += 1;
    void sendFrames(socket, runId, [histFrame(records, runId, state.seq, Date.now())]).catch(() => {});
    state.timer = setTimeout(() => send(runId), 1000);
  };
  const pull = async () => {
    for (const runId of await pullOrders(socket).catch(() => [])) {
      if (timers.has(runId)) continue;
      const answer = await startRun(socket, runId).catch(() => ({ start: false }));
      if (answer.start) timers.set(runId, { timer: setTimeout(() => send(runId), 250), seq: 0 });
    }
  };
  socket.on("connect", () => void sendHello(socket, [...timers.keys()]).then(pull, () => {}));
  socket.on("orders:available", () => void pull());
  socket.on("run:stop", ({ runId }: { runId: string }) => {
    const state = timers.get(runId);
    if (!state) return;
    clearTimeout(state.timer);
    timers.delete(runId);
    void request(socket, "run:end", { runId, reason: "stopped", detail: null, endedAt: Date.now(), lastSeq: state.seq }).catch(() => {});
  });
  return { socket, close: () => (timers.forEach((state) => clearTimeout(state.timer)), socket.close()) };
}

const database = await createBenchDatabase("wb_bench_launch");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bench-launch-"));
const keys = generateKeyPairSync("ed25519");
const keyFile = path.join(dir, "signing-key.pem");
fs.writeFileSync(keyFile, keys.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
const server = await startWebServer(database.url, { WORKBENCH_SIGNING_KEY_FILE: keyFile });
const db = createDbClient(database.url);
let agent: AgentProcess | undefined;
const sims: ReturnType<typeof simulatedHost>[] = [];
const workload = sleepWorkload(3600);
try {
  const signedIn = async (role: "ADMIN" | "ENGINEER" | "REVIEWER" | "SRE") => {
    const user = await createUser(db, [role]);
    return new WorkbenchApi(server, await signInCookie(server.url, user.email, user.password));
  };
  const [admin, engineer, reviewer, sre] = [await signedIn("ADMIN"), await signedIn("ENGINEER"), await signedIn("REVIEWER"), await signedIn("SRE")];
  const enroll = async (hostName: string, labels: string[]) => {
    const { token } = await admin.post<{ token: string }>("/api/enrollment-tokens", { ttlMinutes: 60, labels });
    const response = await fetch(new URL("/api/agent/enroll", server.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, hostName }),
    });
    return { hostName, ...((await response.json()) as { hostId: string; credential: string }) };
  };
  const runbook = async (name: string, selector: string, maxHosts: number) => {
    const { programId, revisionId } = await engineer.post<{ programId: string; revisionId: string }>("/api/programs", {
      name,
      source: PROGRAM,
      durationSec: 120,
      targetSelector: selector,
      runbook: { measures: "clock_nanosleep latency", params: PARAMS, maxHostsPerLaunch: maxHosts, maxConcurrentLaunches: 3, validityDays: 1 },
    });
    await reviewer.post(`/api/revisions/${revisionId}/reviews`, { decision: "approve", reason: "bench:launch" });
    return programId;
  };
  // As an SRE's stop buttons would, a few at a time: each stop is its own transaction on the server's pool.
  const rows: string[] = [];
  const stopAll = async (runIds: string[]) => {
    const queue = [...runIds];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) await sre.post(`/api/runs/${id}/stop`, {});
      }),
    );
  };
  const report = (line: string) => {
    rows.push(line);
    say(line);
  };
  const viewer = connectViewerSocket(server.url, sre.cookie);
  await new Promise<void>((resolve) => viewer.once("connect", () => resolve()));

  if (localLaunches > 0) {
    const local = await enroll(`bench-local-${process.pid}`, ["bench=local"]);
    agent = startAgentProcess({ serverUrl: server.url, credential: local.credential, publicKey: keys.publicKey, hostName: local.hostName, extraArgs: ["--stop-grace-sec", "3"] });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const programId = await runbook("bench local", "bench=local", 1);
    // Each launch stopped and ended before the next, so one bpftrace runs at a time.
    const waitEnded = async (runIds: string[]) => {
      await stopAll(runIds);
      for (let i = 0; i < 100 && (await db.run.count({ where: { id: { in: runIds }, status: { not: "ENDED" } } })) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    };
    const figures = await measure(sre, viewer, programId, [local.hostId], { pid: workload.pid! }, localLaunches, waitEnded);
    report(row("local agent, real bpftrace 0.17", 1, figures, 1500));
  }
  if (simulatedHosts > 0 && simulatedLaunches > 0) {
    const hosts = [];
    for (let i = 0; i < simulatedHosts; i++) hosts.push(await enroll(`bench-sim-${String(i).padStart(4, "0")}`, ["bench=sim"]));
    for (const host of hosts) sims.push(simulatedHost(server.url, host.credential));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const programId = await runbook("bench simulated", "bench=sim", simulatedHosts);
    const waitEnded = async (runIds: string[]) => {
      await stopAll(runIds);
      for (let i = 0; i < 300 && (await db.run.count({ where: { id: { in: runIds }, status: { not: "ENDED" } } })) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    };
    const figures = await measure(
      sre,
      viewer,
      programId,
      hosts.map((h) => h.hostId),
      { pid: 0 },
      simulatedLaunches,
      waitEnded,
    );
    report(row("simulated hosts", simulatedHosts, figures, 3000));
  }
  viewer.close();
  say(`bench:launch: launch request to the first histogram frame on a viewer's socket (ms), ${os.cpus().length} cores`);
  say("| case | hosts | launches | p50 | p90 | max | target p50 | met |");
  say("|---|---|---|---|---|---|---|---|");
  for (const line of rows) say(line);
} finally {
  for (const sim of sims) sim.close();
  workload.kill();
  await agent?.stop();
  await server.stop();
  await db.$disconnect();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}
