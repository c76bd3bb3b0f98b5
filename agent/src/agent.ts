import type { KeyObject } from "node:crypto";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import { DEFAULT_RUN_LIMITS } from "@/lib/protocol/run-order-limits.ts";
import type { DryRunRequest, DryRunResult, HostFacts, LocalStop, ProbeCatalog, RunEnd, RunOrderDelivery } from "@/lib/protocol/agent-events.ts";
import { TrustStatementError } from "@/lib/protocol/trust-statement.ts";
import type { Envelope } from "@/lib/protocol/dsse.ts";
import { BpfStatsSwitch } from "./bpf-stats.ts";
import { limitEnvironment, parseBpftraceVersion, type BpftraceVersion } from "./bpftrace-version.ts";
import type { AgentConfig } from "./config.ts";
import { dryRunProgram } from "./dry-run.ts";
import { LocalStopSwitch } from "./local-stop.ts";
import { OfflineGrace } from "./offline-grace.ts";
import { OrderGate } from "./order-gate.ts";
import { AGENT_MARKER_VARIABLE, endOrphans } from "./orphans.ts";
import { ProgramNames } from "./overhead-meter.ts";
import { clockTicksPerSecond } from "./proc.ts";
import { ReplayGuard } from "./replay-guard.ts";
import { RunSupervisor } from "./run-supervisor.ts";
import { RuntimeState } from "./runtime-state.ts";
import { ORDERS_PER_PULL, ServerLink } from "./server-link.ts";
import { Spool, SpoolRefusal, type RefusedEntry } from "./spool.ts";
import { isFinalRefusal } from "./errors.ts";
import { StateDir } from "./state-dir.ts";
import { TrustStore } from "./trust.ts";

export const AGENT_VERSION = "0.3.0";

export type AgentDeps = {
  /** The keys installed with the agent (its trust root). */
  installedKeys: ReadonlyMap<string, KeyObject>;
  hostFacts: HostFacts;
  catalog: ProbeCatalog;
  now(): number;
  log(message: string, fields?: Record<string, unknown>): void;
  /** The server revoked this host's credential: the agent has stopped its runs and must exit. */
  onCredentialRevoked(message: string): void;
};

// bpftrace gets a fixed, minimal environment: none of the agent's own
// variables (which may name its credential) reach the traced program.
const BASE_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };

/**
 * The daemon: keeps the link to the server, pulls signed orders, admits each
 * through the order gate (signature, host, expiry, replay, rollback, policy),
 * asks the server before starting, and supervises the runs within their
 * signed limits.
 *
 * It fails closed. It starts nothing while the server is unreachable (every
 * start needs the server's yes); runs already started continue to their
 * signed deadlines, and their frames wait in the on-disk spool until the
 * server takes them. Past the offline grace, it gives up the orders it had
 * admitted but the server never let it start. While the local stop switch is
 * engaged, it stops its runs and refuses every order and dry run.
 */
export class Agent {
  private readonly state: StateDir;
  private readonly spool: Spool;
  private readonly trust: TrustStore;
  private readonly gate: OrderGate;
  private readonly bpfStats: BpfStatsSwitch;
  private readonly runtime: RuntimeState;
  private readonly programNames: ProgramNames;
  private readonly version: BpftraceVersion | null;
  private readonly clockTicks = clockTicksPerSecond();
  private readonly localStop: LocalStopSwitch;
  private readonly offlineGrace: OfflineGrace;
  private link: ServerLink | undefined;
  private readonly active = new Map<string, RunSupervisor>();
  /** Run ids this process has started, refused or been told not to start: never acted on twice. */
  private readonly settled = new Set<string>();
  /** Admitted orders whose run:start got no answer (the link dropped): asked again, never run without a yes. */
  private readonly awaitingStart = new Map<string, RunOrder>();
  private dryRuns: Promise<unknown> = Promise.resolve();
  private pulling = false;
  private pullAgain = false;
  private stopping = false;
  private pullTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.state = StateDir.open(config.stateDir);
    this.trust = new TrustStore(deps.installedKeys, this.state);
    this.runtime = new RuntimeState(this.state);
    this.bpfStats = new BpfStatsSwitch(this.state, deps.log);
    this.programNames = new ProgramNames(config.bpftoolPath);
    this.version = parseBpftraceVersion(deps.hostFacts.bpftraceVersion);
    this.gate = new OrderGate({
      trust: this.trust,
      replay: new ReplayGuard(this.state, deps.now),
      hostName: config.hostName,
      policy: config.policy,
      catalog: () => deps.catalog.probes,
      now: deps.now,
    });
    this.localStop = new LocalStopSwitch({ file: config.stopFile, onChange: (state) => this.onLocalStop(state) });
    this.offlineGrace = new OfflineGrace({
      graceMs: config.offlineGraceMs,
      now: deps.now,
      onOffline: (since) => this.onOffline(since),
      onBackOnline: (offlineMs) => deps.log("the server is back after the agent was offline", { offlineSec: Math.round(offlineMs / 1000) }),
    });
    this.spool = Spool.open({
      dir: this.state.subdir("spool"),
      maxBytes: config.spoolMaxBytes,
      log: deps.log,
      now: deps.now,
      onEndDelivered: (runId) => this.runtime.markReported(runId),
      onRefused: (refused) => this.onRefused(refused),
    });
  }

  get activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  get trustedKeyIds(): string[] {
    return [...this.trust.keys.keys()];
  }

  /** Cleans up after an earlier agent process, then connects. */
  async start(): Promise<void> {
    // Before anything can start: an agent started with the switch engaged starts nothing.
    this.localStop.start();
    this.offlineGrace.disconnected();
    this.bpfStats.recover();
    await endOrphans(this.runtime.instanceId, this.deps.log);
    for (const runId of this.runtime.interruptedRunIds) {
      // Its bpftrace died with the previous agent (parent-death signal) or was just ended above.
      this.spool.pushEnd({
        runId,
        reason: "lost",
        detail: "the agent stopped unexpectedly while the run was active (killed or crashed); bpftrace was stopped with it",
        endedAt: this.deps.now(),
        lastSeq: 0,
      });
    }
    const link = new ServerLink(this.config.serverUrl, this.config.credential, {
      onConnect: () => void this.onConnect(),
      onDisconnect: (reason) => {
        this.deps.log("disconnected from the server", { reason });
        this.offlineGrace.disconnected();
      },
      onOrdersAvailable: () => void this.pull(),
      onTrustUpdated: () => void this.syncTrust(),
      onStopRequest: (runId, reason, cause) => this.onStopRequest(runId, reason, cause),
      onDryRun: (request) => this.dryRun(request),
      onRejected: (message) => this.onRejected(message),
      log: this.deps.log,
    });
    this.link = link;
    this.spool.attach({
      get connected() {
        return link.connected;
      },
      sendFrames: async (runId, frames) => {
        const { ackSeq } = await finalRefusalsAsSpoolRefusals(link.request("run:frames", { runId, frames }));
        const last = frames.at(-1)!.seq;
        if (ackSeq < last) throw new Error(`the server acknowledged up to seq ${ackSeq}, not ${last}`);
      },
      sendEnd: async (report) => void (await finalRefusalsAsSpoolRefusals(link.request("run:end", report))),
    });
    // A safety net: orders are pushed as they are signed, but a missed push must not leave one waiting.
    this.pullTimer = setInterval(() => void this.pull(), 30_000);
  }

  private async onConnect(): Promise<void> {
    const link = this.link!;
    this.deps.log("connected to the server", { server: this.config.serverUrl });
    this.offlineGrace.connected();
    try {
      await link.request("agent:hello", {
        agentVersion: AGENT_VERSION,
        facts: this.deps.hostFacts,
        catalog: this.deps.catalog,
        // Runs still running, and runs whose end report is still on its way: the server must not take them for lost.
        activeRunIds: this.runtime.runIdsToMention.slice(0, 1000),
        trustSeq: this.trust.lastStatementSeq,
        localStop: this.localStop.state,
      });
    } catch (error) {
      this.deps.log("hello failed", { error: String(error) });
      return;
    }
    this.spool.kick();
    await this.syncTrust();
    await this.pull();
  }

  /** Applies the key rotation statements the server has issued since the last one applied, in order. */
  private async syncTrust(): Promise<void> {
    if (!this.link?.connected) return;
    let statements: { seq: number; envelope: unknown }[];
    try {
      ({ statements } = await this.link.request("trust:pull", { afterSeq: this.trust.lastStatementSeq }));
    } catch (error) {
      this.deps.log("could not fetch key rotation statements", { error: String(error) });
      return;
    }
    for (const { envelope } of statements) {
      try {
        const statement = this.trust.apply(envelope as Envelope);
        this.deps.log("applied a key rotation statement", {
          seq: statement.seq,
          trustedKeyIds: this.trustedKeyIds,
          retiredKeyIds: statement.retiredKeyIds,
        });
      } catch (error) {
        const reason = error instanceof TrustStatementError ? error.reason : "error";
        this.deps.log("refused a key rotation statement; the trusted keys are unchanged", { reason, message: (error as Error).message });
        return;
      }
    }
  }

  /**
   * The operator engaged or released the local stop switch (or changed its
   * reason). Engaged: every run stops, and orders admitted but not started are
   * refused; the server hears of it either way, now or in the next hello.
   */
  private onLocalStop(state: LocalStop): void {
    if (state.engaged) {
      this.deps.log("the local stop switch is engaged: stopping every run and refusing every order until it is removed", {
        file: this.config.stopFile,
        since: state.since === null ? null : new Date(state.since).toISOString(),
        reason: state.reason,
      });
      for (const run of this.active.values()) run.requestStop("stopped", `the host's local stop switch was engaged (${this.localStop.describe()})`);
      for (const order of [...this.awaitingStart.values()]) this.refuseLocally(order.runId);
    } else {
      this.deps.log("the local stop switch was removed: taking orders again", { file: this.config.stopFile });
      void this.pull();
    }
    void this.reportState();
  }

  private async reportState(): Promise<void> {
    if (!this.link?.connected) return; // the next hello carries it
    try {
      await this.link.request("agent:state", { localStop: this.localStop.state });
    } catch (error) {
      this.deps.log("could not report the local stop switch to the server; the next hello will", { error: String(error) });
    }
  }

  /** Refuses an order because the local stop switch is engaged; the end report says so, as for any refusal. */
  private refuseLocally(runId: string): void {
    this.awaitingStart.delete(runId);
    this.settled.add(runId);
    const message = `the host's local stop switch is engaged (${this.localStop.describe()})`;
    this.deps.log("refused an order", { runId, reason: "local-stop", message });
    this.pushRefusal(runId, "local-stop", message);
  }

  private pushRefusal(runId: string, reason: string, message: string): void {
    this.spool.pushEnd({ runId, reason: "refused", detail: `the agent refused the order (${reason}): ${message}`, endedAt: this.deps.now(), lastSeq: 0 });
  }

  /**
   * The server has been away for longer than the grace. Runs go on to their
   * signed deadlines; orders admitted before the outage whose start the
   * server never confirmed are given up: they were decided before the outage
   * by people who are not watching now, and anything may have changed since
   * (a stop, a revocation, the incident itself). Within the grace they would
   * have been asked about again on reconnect.
   */
  private onOffline(since: number): void {
    const graceSec = this.config.offlineGraceMs / 1000;
    this.deps.log(`the server has been unreachable for ${graceSec} s: offline; no order starts until it is back, running runs continue to their signed deadlines`, {
      since: new Date(since).toISOString(),
      runs: [...this.active.values()].map((run) => ({ runId: run.runId, deadline: new Date(run.deadlineAt).toISOString() })),
      givingUp: [...this.awaitingStart.keys()],
    });
    for (const order of [...this.awaitingStart.values()]) {
      this.awaitingStart.delete(order.runId);
      this.settled.add(order.runId);
      this.pushRefusal(
        order.runId,
        "offline",
        `the server became unreachable before it confirmed the start, and stayed away for more than the agent's ${graceSec} s grace; the run was not started`,
      );
    }
  }

  private onStopRequest(runId: string, reason: string, cause: "user" | "revoked"): void {
    this.awaitingStart.delete(runId);
    this.active.get(runId)?.requestStop(cause === "revoked" ? "revoked" : "stopped", reason);
  }

  /**
   * The server refused frames or an end report for good and the spool moved
   * past them. A run still going records the gap with the server's reason (a
   * refused gap record is only logged, or gaps would beget gaps); a run the
   * server has closed (CONFLICT) is stopped, since nothing more of it would be kept.
   */
  private onRefused(refused: RefusedEntry): void {
    const run = this.active.get(refused.runId);
    if (!run || refused.kind !== "frames") return;
    if (!refused.onlyGapRecords) run.recordRefusedFrames(refused.fromSeq, refused.toSeq, refused.frames, `refused by the server (${refused.serverCode}): ${refused.reason}`);
    if (refused.serverCode === "CONFLICT") run.requestStop("stopped", `the server no longer takes this run's frames: ${refused.reason}`);
  }

  private onRejected(message: string): void {
    this.deps.log("the server refused this agent's credential; stopping every run", { message });
    for (const run of this.active.values()) run.requestStop("revoked", `this host's credential was revoked: ${message}`);
    this.deps.onCredentialRevoked(message);
  }

  async pull(): Promise<void> {
    if (this.stopping || !this.link?.connected) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    try {
      do {
        this.pullAgain = false;
        for (const order of [...this.awaitingStart.values()]) {
          if (this.active.size >= this.config.maxConcurrentRuns) break;
          await this.askToStart(order);
        }
        if (this.active.size >= this.config.maxConcurrentRuns) break; // the rest wait for a free slot
        const { orders } = await this.link.request("orders:pull", { limit: ORDERS_PER_PULL });
        for (const delivery of orders) {
          if (this.active.size >= this.config.maxConcurrentRuns) break;
          await this.consider(delivery as RunOrderDelivery);
        }
      } while (this.pullAgain && !this.stopping);
    } catch (error) {
      this.deps.log("pulling orders failed", { error: String(error) });
    } finally {
      this.pulling = false;
    }
  }

  private async consider(delivery: RunOrderDelivery): Promise<void> {
    if (this.settled.has(delivery.runId) || this.active.has(delivery.runId) || this.awaitingStart.has(delivery.runId)) return;
    // The operator's switch comes first: nothing about an order matters while the host is stopped.
    if (this.localStop.check().engaged) return this.refuseLocally(delivery.runId);
    const admission = this.gate.admit(delivery);
    if (!admission.ok) {
      this.settled.add(delivery.runId);
      this.deps.log("refused an order", { runId: delivery.runId, reason: admission.reason, message: admission.message });
      this.spool.pushEnd({
        runId: delivery.runId,
        reason: admission.reason === "expired" ? "expired" : "refused",
        detail: `the agent refused the order (${admission.reason}): ${admission.message}`,
        endedAt: this.deps.now(),
        lastSeq: 0,
      });
      return;
    }
    // Recorded before anything runs: after a crash from here on, the same order is a replay.
    this.gate.commit(admission.order);
    await this.askToStart(admission.order);
  }

  /** Ask first: a run stopped, revoked or expired meanwhile must not start. */
  private async askToStart(order: RunOrder): Promise<void> {
    if (Date.parse(order.expiresAt) <= this.deps.now()) {
      this.awaitingStart.delete(order.runId);
      this.settled.add(order.runId);
      return;
    }
    if (this.localStop.check().engaged) return this.refuseLocally(order.runId);
    try {
      this.bpfStats.acquire();
    } catch (error) {
      this.awaitingStart.delete(order.runId);
      this.settled.add(order.runId);
      this.spool.pushEnd({ runId: order.runId, reason: "refused", detail: `the agent refused the order: ${(error as Error).message}`, endedAt: this.deps.now(), lastSeq: 0 });
      return;
    }
    let answer: { start: boolean; reason: string | null };
    try {
      answer = await this.link!.request("run:start", { runId: order.runId, startedAt: this.deps.now() });
    } catch (error) {
      this.bpfStats.release();
      this.awaitingStart.set(order.runId, order);
      throw error;
    }
    this.awaitingStart.delete(order.runId);
    this.settled.add(order.runId);
    if (!answer.start) {
      this.bpfStats.release();
      this.deps.log("the server said not to start", { runId: order.runId, reason: answer.reason });
      return;
    }
    if (this.localStop.check().engaged) {
      // Engaged while the server was answering: the server already counts the run as started, so
      // it is mentioned in hellos until its end report is delivered, like any run that ended.
      this.bpfStats.release();
      this.runtime.markEnded(order.runId);
      return this.refuseLocally(order.runId);
    }
    this.launch(order);
  }

  private launch(order: RunOrder): void {
    this.runtime.markActive(order.runId);
    const supervisor = new RunSupervisor({
      order,
      bpftracePath: this.config.bpftracePath,
      setprivPath: this.config.setprivPath,
      stopGraceMs: this.config.stopGraceMs,
      env: { ...BASE_ENV, ...limitEnvironment(this.version, order.limits), [AGENT_MARKER_VARIABLE]: this.runtime.instanceId },
      sink: {
        tryPushFrame: (frame, json) => this.spool.pushFrame(frame, json),
        pushFrameAlways: (frame) => this.spool.pushFrameAlways(frame),
        pushEnd: (report: RunEnd) => this.spool.pushEnd(report),
      },
      clockTicks: this.clockTicks,
      beforeSample: () => this.bpfStats.ensureOn(),
      programName: (id) => this.programNames.nameOf(id),
      now: this.deps.now,
      log: this.deps.log,
    });
    this.active.set(order.runId, supervisor);
    void supervisor.done.finally(() => {
      this.active.delete(order.runId);
      this.runtime.markEnded(order.runId);
      this.bpfStats.release();
      this.deps.log("run ended", { runId: order.runId });
      void this.pull(); // a slot is free
    });
  }

  /** One dry run at a time: compiling is the heaviest thing an agent does besides running. */
  private dryRun(request: DryRunRequest): Promise<DryRunResult> {
    const compile = () =>
      dryRunProgram(request, {
        bpftracePath: this.config.bpftracePath,
        setprivPath: this.config.setprivPath,
        version: this.version,
        policy: this.config.policy,
        catalog: () => this.deps.catalog.probes,
        env: { ...BASE_ENV, ...limitEnvironment(this.version, { ...DEFAULT_RUN_LIMITS }), [AGENT_MARKER_VARIABLE]: this.runtime.instanceId },
        timeoutMs: this.config.dryRunTimeoutMs,
        now: this.deps.now,
      });
    // Compiling reads kernel headers as root: a host stopped by its operator does not even do that.
    const result = this.dryRuns.then(() => (this.localStop.check().engaged ? this.refusedDryRun() : compile()));
    this.dryRuns = result.catch(() => {});
    return result.then((value) => {
      this.deps.log("dry run", { requestId: request.requestId, outcome: value.outcome, probes: value.probeCount });
      return value;
    });
  }

  private refusedDryRun(): DryRunResult {
    return {
      outcome: "refused",
      probes: [],
      probeCount: 0,
      message: `the host's local stop switch is engaged (${this.localStop.describe()}): it compiles nothing until the switch is removed`,
      findings: [],
      bpftraceVersion: this.deps.hostFacts.bpftraceVersion,
      elapsedMs: 0,
    };
  }

  /** Stops every run (SIGINT, then SIGKILL), delivers what it can, and closes the link. */
  async shutdown(flushTimeoutMs = 5000): Promise<void> {
    this.stopping = true;
    clearInterval(this.pullTimer);
    this.localStop.dispose();
    this.offlineGrace.dispose();
    for (const run of this.active.values()) run.requestStop("stopped", "the agent was shut down");
    await Promise.all([...this.active.values()].map((run) => run.done));
    const delivered = this.link?.connected ? await this.spool.flush(flushTimeoutMs) : false;
    if (!delivered && this.spool.pendingBytes > 0) {
      this.deps.log("kept undelivered reports on disk for the next start", { pendingBytes: this.spool.pendingBytes });
    }
    this.spool.close();
    this.link?.close();
  }
}

/** A final refusal (lib/server/errors.ts codes no retry changes) becomes the spool's signal to step over the entry. */
async function finalRefusalsAsSpoolRefusals<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (isFinalRefusal(error)) throw new SpoolRefusal(error.message, error.serverCode!);
    throw error;
  }
}
