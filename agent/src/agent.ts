import type { KeyObject } from "node:crypto";
import { RunOrderError, verifyRunOrder, type RunOrder } from "@/lib/shared/run-order.ts";
import type { RunOrderDelivery, HostFacts, RunEnd } from "@/lib/shared/socket-events.ts";
import type { AgentConfig } from "./config.ts";
import { Outbox } from "./outbox.ts";
import { RunSupervisor } from "./run-supervisor.ts";
import { ServerLink } from "./server-link.ts";

export const AGENT_VERSION = "0.1.0";

export type AgentDeps = {
  trustedKeys: ReadonlyMap<string, KeyObject>;
  hostFacts: HostFacts;
  now(): number;
  log(message: string, fields?: Record<string, unknown>): void;
};

// bpftrace gets a fixed, minimal environment: none of the agent's own
// variables (which may name its credential) reach the traced program.
const BPFTRACE_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };

/**
 * The daemon: keeps the link to the server, pulls signed orders, verifies
 * each against the keys it was installed with, asks the server before
 * starting, and supervises the runs. It starts nothing while the server is
 * unreachable; runs already started continue to their limits.
 */
export class Agent {
  private readonly link: ServerLink;
  private readonly outbox: Outbox;
  private readonly active = new Map<string, RunSupervisor>();
  /** Run ids this process has started, refused or been told not to start: never acted on twice. */
  private readonly settled = new Set<string>();
  private pulling = false;
  private pullAgain = false;
  private stopping = false;
  private pullTimer: NodeJS.Timeout;

  constructor(
    private readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.link = new ServerLink(config.serverUrl, config.credential, {
      onConnect: () => void this.onConnect(),
      onDisconnect: (reason) => deps.log("disconnected from the server", { reason }),
      onOrdersAvailable: () => void this.pull(),
      onStopRequest: (runId, reason, cause) => this.active.get(runId)?.requestStop(cause === "revoked" ? "revoked" : "stopped", reason),
      onRejected: (message) => this.onRejected(message),
    });
    const link = this.link;
    this.outbox = new Outbox(
      {
        get connected() {
          return link.connected;
        },
        sendFrames: async (runId, frames) => void (await link.request("run:frames", { runId, frames })),
        sendEnd: async (report) => void (await link.request("run:end", report)),
      },
      {
        maxQueuedFrames: config.maxQueuedFrames,
        onDropped: (runId, count) => {
          deps.log("frame buffer full: dropped frames", { runId, count });
          this.active.get(runId)?.recordDropped(count);
        },
      },
    );
    // A safety net: orders are pushed as they are signed, but a missed push must not leave one waiting.
    this.pullTimer = setInterval(() => void this.pull(), 30_000);
  }

  get activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  private async onConnect(): Promise<void> {
    this.deps.log("connected to the server", { server: this.config.serverUrl });
    try {
      await this.link.request("agent:hello", { agentVersion: AGENT_VERSION, facts: this.deps.hostFacts, activeRunIds: this.activeRunIds });
    } catch (error) {
      this.deps.log("hello failed", { error: String(error) });
      return;
    }
    this.outbox.kick();
    await this.pull();
  }

  private onRejected(message: string): void {
    this.deps.log("the server refused this agent's credential; stopping every run", { message });
    for (const run of this.active.values()) run.requestStop("stopped", "the agent's credential was revoked");
  }

  async pull(): Promise<void> {
    if (this.stopping || !this.link.connected) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    try {
      do {
        this.pullAgain = false;
        const { orders } = await this.link.request("orders:pull", {});
        for (const delivery of orders) {
          if (this.active.size >= this.config.maxConcurrentRuns) break; // the rest wait for a free slot
          await this.consider(delivery);
        }
      } while (this.pullAgain && !this.stopping);
    } catch (error) {
      this.deps.log("pulling orders failed", { error: String(error) });
    } finally {
      this.pulling = false;
    }
  }

  private async consider(delivery: RunOrderDelivery): Promise<void> {
    if (this.settled.has(delivery.runId) || this.active.has(delivery.runId)) return;
    let order: RunOrder;
    try {
      order = verifyRunOrder(delivery.envelope, {
        trustedKeys: this.deps.trustedKeys,
        hostName: this.config.hostName,
        now: new Date(this.deps.now()),
      }).order;
      if (order.runId !== delivery.runId) {
        throw new RunOrderError("malformed-order", `the signed order is for run ${order.runId}, not ${delivery.runId}`);
      }
    } catch (error) {
      this.settled.add(delivery.runId);
      const reason = error instanceof RunOrderError ? error.reason : "malformed-order";
      const message = error instanceof Error ? error.message : String(error);
      this.deps.log("refused an order", { runId: delivery.runId, reason, message });
      this.outbox.pushEnd({
        runId: delivery.runId,
        reason: reason === "expired" ? "expired" : "refused",
        detail: `the agent refused the order (${reason}): ${message}`,
        endedAt: this.deps.now(),
        lastSeq: 0,
      });
      return;
    }
    // Ask first: a run stopped or expired meanwhile must not start.
    const { start, reason } = await this.link.request("run:start", { runId: order.runId, startedAt: this.deps.now() });
    this.settled.add(order.runId);
    if (!start) {
      this.deps.log("the server said not to start", { runId: order.runId, reason });
      return;
    }
    this.launch(order);
  }

  private launch(order: RunOrder): void {
    const supervisor = new RunSupervisor({
      order,
      bpftracePath: this.config.bpftracePath,
      setprivPath: this.config.setprivPath,
      stopGraceMs: this.config.stopGraceMs,
      env: BPFTRACE_ENV,
      now: this.deps.now,
      emitFrame: (frame) => this.outbox.pushFrame(frame),
      emitEnd: (report: RunEnd) => this.outbox.pushEnd(report),
      log: this.deps.log,
    });
    this.active.set(order.runId, supervisor);
    void supervisor.done.finally(() => {
      this.active.delete(order.runId);
      this.deps.log("run ended", { runId: order.runId });
      void this.pull(); // a slot is free
    });
  }

  /** Stops every run (SIGINT, then SIGKILL), delivers what it can, and closes the link. */
  async shutdown(flushTimeoutMs = 5000): Promise<void> {
    this.stopping = true;
    clearInterval(this.pullTimer);
    for (const run of this.active.values()) run.requestStop("stopped", "the agent was shut down");
    await Promise.all([...this.active.values()].map((run) => run.done));
    const delivered = await this.outbox.flush(flushTimeoutMs);
    if (!delivered) this.deps.log("could not deliver everything before exiting", { pending: this.outbox.size });
    this.outbox.dispose();
    this.link.close();
  }
}
