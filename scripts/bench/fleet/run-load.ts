// One load (N hosts × V viewers) on both systems, the product first and then
// the plain relay, with the same client processes: start the system, connect
// the clients, stream for a warm-up and a measured window, let what was sent
// arrive (the drain), read everyone's figures, stop the system. Every step
// has a deadline; a step that misses it is reported and the load goes on, so
// a collapsed server yields figures, not a hang.
import type { AgentReport, SimHost } from "./agent-sim.ts";
import type { SimViewer, ViewerReport } from "./viewer-sim.ts";
import { approveFleetProgram } from "./approve-fleet.ts";
import { PostgresCpuTracker, cpuSecondsBetween, processTree, sampleCpu, sampleMachineCpu } from "./cpu.ts";
import { clockTicksPerSecond } from "../../../agent/src/proc.ts";
import { startServerFleet, type ServerFleet } from "./environment.ts";
import { SideTraffic } from "./side-traffic.ts";
import { countLogErrors, type LogCount } from "./server-log.ts";
import { LatencyCounts, deliveryAccount, deserializeSummary, mergeSummaries, type DeliverySummary, type MeasuredWindow } from "./stats.ts";
import { Worker, callAll } from "./workers.ts";
import type { BenchContext } from "./context.ts";

export type Load = { hosts: number; viewers: number };
export type SystemName = "product" | "plain ws relay";

export type SystemResult = {
  system: SystemName;
  load: Load;
  measuredSec: number;
  /** Frames the hosts printed in the measured window. */
  framesSent: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  latencyMs: { p50: number | null; p99: number | null; max: number | null };
  /** Of the deliveries owed, the share that arrived within 1 s (lost ones never do). */
  within1s: number;
  agentAckP99Ms: number | null;
  serverCpuSec: number;
  /** The backends of the bench's database, and PostgreSQL's shared writers (cpu.ts). */
  postgresCpuSec: { backends: number; background: number; sessions: number; whole: number | null } | null;
  clientCpuSec: { agents: number; viewers: number; orchestrator: number };
  /** Every core's busy time on the machine, the bench's processes and everyone else's; and all the time the cores accounted for (busy or idle). */
  machineBusyCpuSec: number;
  machineTotalCpuSec: number;
  serverLog: LogCount | null;
  /** What happened on the way, for the reader of the details. */
  steps: string[];
};

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
const seconds = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)} s`;
const describeErrors = (errors: Record<string, number>) =>
  Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([message, count]) => `${count}× ${message}`)
    .join("; ");

/** The simulated clients of a load: spawned once, used by both systems. */
type Clients = { agents: Worker[]; viewers: Worker[] };

async function spawnClients(context: BenchContext, load: Load, hosts: SimHost[], viewers: SimViewer[]): Promise<Clients> {
  const { agentsPerProcess, viewersPerProcess } = context.options;
  const agents: Worker[] = [];
  const viewerWorkers: Worker[] = [];
  for (let first = 0; first < load.hosts; first += agentsPerProcess) {
    const worker = context.track(new Worker(`agents ${first}-${Math.min(load.hosts, first + agentsPerProcess) - 1}`, "agent-sim.ts"));
    agents.push(worker);
    await worker.call({ type: "init", hosts: hosts.slice(first, first + agentsPerProcess), total: load.hosts }, 60_000);
  }
  for (let first = 0; first < load.viewers; first += viewersPerProcess) {
    const worker = context.track(new Worker(`viewers ${first}-${Math.min(load.viewers, first + viewersPerProcess) - 1}`, "viewer-sim.ts"));
    viewerWorkers.push(worker);
    await worker.call({ type: "init", viewers: viewers.slice(first, first + viewersPerProcess) }, 60_000);
  }
  return { agents, viewers: viewerWorkers };
}

type Measured = {
  window: MeasuredWindow;
  agents: AgentReport[];
  delivered: DeliverySummary;
  viewersConnected: number;
  systemCpuSec: number;
  postgresCpuSec: { backends: number; background: number; sessions: number; whole: number | null } | null;
  clientCpuSec: SystemResult["clientCpuSec"];
  machineBusyCpuSec: number;
  machineTotalCpuSec: number;
  steps: string[];
};

/**
 * Streams for the warm-up and the measured window, samples CPU at the
 * window's ends, then waits for the frames of the window to reach every
 * viewer, or for the drain period to pass.
 */
async function stream(context: BenchContext, load: Load, clients: Clients, measuredPids: () => number[], postgres: boolean): Promise<Measured> {
  const { warmupSec, durationSec, drainSec } = context.options;
  const steps: string[] = [];
  const startAt = Date.now() + 1500;
  const window = { from: startAt + warmupSec * 1000, to: startAt + (warmupSec + durationSec) * 1000 };
  await callAll(clients.viewers, () => ({ type: "measure", window }), 30_000);
  const streaming = await callAll<{ streaming: number }>(clients.agents, () => ({ type: "stream", startAt, stopAt: window.to, window }), 30_000);
  const streamingHosts = streaming.reduce((sum, r) => sum + (r.ok ? r.value.streaming : 0), 0);
  if (streamingHosts < load.hosts) steps.push(`${streamingHosts} of ${load.hosts} hosts streamed (the others' runs never started)`);

  const clientPids = () => ({ agents: clients.agents.map((w) => w.pid), viewers: clients.viewers.map((w) => w.pid), orchestrator: [process.pid] });
  const sampleAll = async () => ({
    system: sampleCpu(processTree(measuredPids())),
    agents: sampleCpu(clientPids().agents),
    viewers: sampleCpu(clientPids().viewers),
    orchestrator: sampleCpu(clientPids().orchestrator),
    machine: sampleMachineCpu(),
  });
  await sleepUntil(window.from);
  const before = await sampleAll();
  const postgresCpu = postgres ? await PostgresCpuTracker.start(context.adminUrl, context.database.name).catch(() => null) : null;
  await sleepUntil(window.to);
  const after = await sampleAll();
  const postgresCpuSec = postgresCpu ? await postgresCpu.stop().catch(() => null) : null;
  if (postgres && !postgresCpuSec) steps.push("PostgreSQL's CPU could not be read (pg_stat_activity or /proc)");

  // The drain: the window's frames may still be on their way (in an agent's queue, the server, a socket).
  const drainStart = Date.now();
  const drainDeadline = window.to + drainSec * 1000;
  let framesInWindow = 0;
  let unique = 0;
  for (;;) {
    await sleepUntil(Math.min(drainDeadline, Date.now() + 500));
    const agentCounts = await callAll<AgentReport>(clients.agents, () => ({ type: "report" }), 10_000);
    framesInWindow = agentCounts.reduce((sum, r) => sum + (r.ok ? r.value.framesInWindow : 0), 0);
    const progress = await callAll<{ unique: number }>(clients.viewers, () => ({ type: "progress" }), 10_000);
    unique = progress.reduce((sum, r) => sum + (r.ok ? r.value.unique : 0), 0);
    if (unique >= framesInWindow * load.viewers || Date.now() >= drainDeadline) break;
  }
  steps.push(
    unique >= framesInWindow * load.viewers
      ? `everything had arrived when checked ${seconds(drainStart)} after the window (checked every 0.5 s)`
      : `drain: gave up ${drainSec} s after the window with ${framesInWindow * load.viewers - unique} deliveries missing`,
  );

  const agentReports = await callAll<AgentReport>(clients.agents, () => ({ type: "report" }), 30_000);
  const viewerReports = await callAll<ViewerReport>(clients.viewers, () => ({ type: "report" }), 30_000);
  for (const failed of [...agentReports, ...viewerReports].filter((r) => !r.ok)) steps.push(`a client process did not report: ${(failed as { error: string }).error}`);
  const viewersOk = viewerReports.flatMap((r) => (r.ok ? [r.value] : []));
  return {
    window,
    agents: agentReports.flatMap((r) => (r.ok ? [r.value] : [])),
    delivered: mergeSummaries(viewersOk.map((r) => deserializeSummary(r.summary))),
    viewersConnected: viewersOk.reduce((sum, r) => sum + r.connected, 0),
    systemCpuSec: cpuSecondsBetween(before.system, after.system),
    postgresCpuSec,
    clientCpuSec: {
      agents: cpuSecondsBetween(before.agents, after.agents),
      viewers: cpuSecondsBetween(before.viewers, after.viewers),
      orchestrator: cpuSecondsBetween(before.orchestrator, after.orchestrator),
    },
    machineBusyCpuSec: (after.machine.busy - before.machine.busy) / clockTicksPerSecond(),
    machineTotalCpuSec: (after.machine.total - before.machine.total) / clockTicksPerSecond(),
    steps,
  };
}

function resultOf(system: SystemName, load: Load, measured: Measured, serverLog: LogCount | null, steps: string[]): SystemResult {
  const framesSent = measured.agents.reduce((sum, r) => sum + r.framesInWindow, 0);
  const account = deliveryAccount(framesSent, load.viewers, measured.delivered);
  const ack = new LatencyCounts();
  for (const report of measured.agents) ack.merge(LatencyCounts.fromJSON(report.ackLatency));
  const timeouts = measured.agents.reduce((sum, r) => sum + r.timeouts, 0);
  const backlog = measured.agents.reduce((sum, r) => sum + r.backlog, 0);
  const refusals: Record<string, number> = {};
  for (const report of measured.agents) for (const [message, count] of Object.entries(report.refusals)) refusals[message] = (refusals[message] ?? 0) + count;
  const lag = Math.max(0, ...measured.agents.map((r) => r.timerLagP99 ?? 0));
  const reconnects = measured.agents.reduce((sum, r) => sum + r.reconnects, 0);
  const notes = [...steps, ...measured.steps];
  if (system === "product") {
    const acked = measured.agents.reduce((sum, r) => sum + r.ackedInWindow, 0);
    notes.push(
      `agents: ${acked} of ${framesSent} measured frames acknowledged, ${ack.total} requests timed (p50 ${ack.percentile(50) ?? "-"} ms), ${timeouts} timed out (15 s), ${backlog} frames still queued at the end`,
    );
    if (Object.keys(refusals).length > 0) notes.push(`agent errors: ${describeErrors(refusals)}`);
    if (reconnects > 0) notes.push(`agents reconnected ${reconnects} times`);
  }
  if (measured.viewersConnected < load.viewers) notes.push(`${load.viewers - measured.viewersConnected} of ${load.viewers} viewers were disconnected at the end`);
  notes.push(`client timers fired up to ${lag} ms late (p99, worst process)`);
  return {
    system,
    load,
    measuredSec: (measured.window.to - measured.window.from) / 1000,
    framesSent,
    expected: account.expected,
    delivered: measured.delivered.unique,
    lost: account.lost,
    duplicates: measured.delivered.duplicates,
    outOfOrder: measured.delivered.outOfOrder,
    latencyMs: { p50: measured.delivered.latency.percentile(50), p99: measured.delivered.latency.percentile(99), max: measured.delivered.latency.max() },
    within1s: account.shareWithin(1000),
    agentAckP99Ms: system === "product" ? ack.percentile(99) : null,
    serverCpuSec: measured.systemCpuSec,
    postgresCpuSec: measured.postgresCpuSec,
    clientCpuSec: measured.clientCpuSec,
    machineBusyCpuSec: measured.machineBusyCpuSec,
    machineTotalCpuSec: measured.machineTotalCpuSec,
    serverLog,
    steps: notes,
  };
}

async function runProduct(context: BenchContext, load: Load, clients: Clients, servers: ServerFleet): Promise<SystemResult> {
  const steps = [...context.takeSetupNotes()];
  const { options } = context;
  const timeout = (base: number) => base + load.hosts * 50;

  let started = Date.now();
  const connected = await callAll<{ connected: number }>(
    clients.agents,
    () => ({ type: "connect", system: "product", urls: servers.urls, timeoutMs: timeout(60_000) }),
    timeout(90_000),
  );
  const agentsConnected = connected.reduce((sum, r) => sum + (r.ok ? r.value.connected : 0), 0);
  steps.push(`${agentsConnected} of ${load.hosts} agents connected in ${seconds(started)}`);

  started = Date.now();
  const hostIds = context.hosts.slice(0, load.hosts).map((host) => host.hostId);
  const approval = await approveFleetProgram(context.people, hostIds, { name: `bench:fleet ${load.hosts}x${load.viewers}`, durationSec: 3600 });
  steps.push(
    `${approval.programs} program(s) submitted and approved, ${approval.runIds.length} runs signed, in ${seconds(started)} (the approval itself: ${Math.round(approval.approvalMs)} ms)`,
  );

  started = Date.now();
  const runs = await callAll<{ started: number; failed: Record<string, number> }>(
    clients.agents,
    () => ({ type: "start-runs", runIds: approval.runIds, timeoutMs: timeout(60_000) }),
    timeout(90_000),
  );
  const runsStarted = runs.reduce((sum, r) => sum + (r.ok ? r.value.started : 0), 0);
  const startFailures: Record<string, number> = {};
  for (const r of runs) if (r.ok) for (const [m, c] of Object.entries(r.value.failed)) startFailures[m] = (startFailures[m] ?? 0) + c;
  steps.push(`${runsStarted} runs started in ${seconds(started)}${runsStarted < load.hosts ? ` (${describeErrors(startFailures)})` : ""}`);

  started = Date.now();
  const viewersConnected = await callAll<{ connected: number }>(clients.viewers, () => ({ type: "connect", system: "product", urls: servers.urls, timeoutMs: 30_000 }), 40_000);
  const watch = await callAll<{ watched: number; failed: number; errors: Record<string, number> }>(
    clients.viewers,
    () => ({ type: "watch", runIds: approval.runIds, approvalIds: approval.approvalIds, concurrency: options.watchConcurrency, timeoutMs: options.watchTimeoutSec * 1000 }),
    options.watchTimeoutSec * 1000 + 30_000,
  );
  const watched = watch.reduce((sum, r) => sum + (r.ok ? r.value.watched : 0), 0);
  const watchErrors: Record<string, number> = {};
  for (const r of watch) if (r.ok) for (const [m, c] of Object.entries(r.value.errors)) watchErrors[m] = (watchErrors[m] ?? 0) + c;
  steps.push(
    `${viewersConnected.reduce((sum, r) => sum + (r.ok ? r.value.connected : 0), 0)} of ${load.viewers} viewers connected; ` +
      `${watched} of ${approval.runIds.length * load.viewers} watch requests answered in ${seconds(started)}${Object.keys(watchErrors).length ? ` (${describeErrors(watchErrors)})` : ""}`,
  );

  const sideTraffic = new SideTraffic(context.people, hostIds[0]!);
  sideTraffic.start();
  const measured = await stream(context, load, clients, () => servers.pids, true);
  steps.push(await sideTraffic.stop());

  started = Date.now();
  const ends = await callAll<{ ended: number; failed: Record<string, number> }>(clients.agents, () => ({ type: "end-runs" }), 60_000);
  const ended = ends.reduce((sum, r) => sum + (r.ok ? r.value.ended : 0), 0);
  const endFailures: Record<string, number> = {};
  for (const r of ends) if (r.ok) for (const [m, c] of Object.entries(r.value.failed)) endFailures[m] = (endFailures[m] ?? 0) + c;
  steps.push(`run:end acknowledged for ${ended} of ${runsStarted} runs in ${seconds(started)}${Object.keys(endFailures).length ? ` (${describeErrors(endFailures)})` : ""}`);
  await callAll(clients.agents, () => ({ type: "disconnect" }), 30_000);
  await callAll(clients.viewers, () => ({ type: "disconnect" }), 30_000);
  return resultOf("product", load, measured, countLogErrors(servers.output()), steps);
}

async function runPlainRelay(context: BenchContext, load: Load, clients: Clients): Promise<SystemResult> {
  const steps: string[] = [];
  const relay = context.track(new Worker("plain relay", "plain-relay.ts"));
  try {
    const { port } = (await relay.nextEvent("listening", 30_000)) as unknown as { port: number };
    const url = `ws://127.0.0.1:${port}`;
    const started = Date.now();
    const agents = await callAll<{ connected: number }>(clients.agents, () => ({ type: "connect", system: "relay", urls: [url], timeoutMs: 60_000 }), 90_000);
    const viewers = await callAll<{ connected: number }>(clients.viewers, () => ({ type: "connect", system: "relay", urls: [url], timeoutMs: 30_000 }), 40_000);
    steps.push(
      `${agents.reduce((sum, r) => sum + (r.ok ? r.value.connected : 0), 0)} agents and ${viewers.reduce((sum, r) => sum + (r.ok ? r.value.connected : 0), 0)} viewers connected in ${seconds(started)}`,
    );
    const measured = await stream(context, load, clients, () => [relay.pid], false);
    await callAll(clients.agents, () => ({ type: "end-runs" }), 30_000);
    await callAll(clients.agents, () => ({ type: "disconnect" }), 30_000);
    await callAll(clients.viewers, () => ({ type: "disconnect" }), 30_000);
    return resultOf("plain ws relay", load, measured, null, steps);
  } finally {
    await relay.stop();
  }
}

/** Both systems under one load, the product first; `relay: false` skips the plain relay (the search). */
export async function runLoad(context: BenchContext, load: Load, options: { relay: boolean }): Promise<SystemResult[]> {
  const results: SystemResult[] = [];
  let clients: Clients | undefined;
  const started = Date.now();
  // A fresh server for every load: one load's backlog never colours the next, and it is not running
  // while the plain relay is measured.
  const servers = await startServerFleet(context.options.processes, context.database.url, context.serverEnv);
  const untrack = context.onCleanup(() => servers.stop());
  try {
    context.note(`${context.options.processes} server process(es) started in ${seconds(started)}`);
    context.server.url = servers.urls[0]!;
    await context.ensureHosts(load.hosts);
    const cookies = await context.ensureViewers(load.viewers);
    const hosts: SimHost[] = context.hosts.slice(0, load.hosts).map((host, index) => ({ hostName: host.hostName, credential: host.credential, index }));
    clients = await spawnClients(
      context,
      load,
      hosts,
      cookies.slice(0, load.viewers).map((cookie, index) => ({ cookie, index })),
    );
    results.push(await runProduct(context, load, clients, servers));
  } finally {
    await servers.stop();
    untrack();
  }
  try {
    if (options.relay) results.push(await runPlainRelay(context, load, clients));
    return results;
  } finally {
    await Promise.all([...clients.agents, ...clients.viewers].map((worker) => worker.stop()));
  }
}
