import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { StateDir } from "./state-dir.ts";

const FILE = "agent.json";
const schema = z
  .object({
    instanceId: z.string().regex(/^[0-9a-f]{32}$/),
    activeRunIds: z.array(z.string()),
    unreportedRunIds: z.array(z.string()).default([]),
  })
  .strict();

/**
 * Who this agent is across restarts (the marker it puts in bpftrace's
 * environment), which runs are active, and which ended without the server
 * having acknowledged their end report yet. The server takes any RUNNING run
 * an agent does not mention in its hello as lost, so the agent mentions both.
 */
export class RuntimeState {
  readonly instanceId: string;
  /** Runs that were active when the previous agent process ended without reporting them. */
  readonly interruptedRunIds: readonly string[];
  private readonly active = new Set<string>();
  private readonly unreported = new Set<string>();

  constructor(private readonly state: StateDir) {
    const saved = state.readJson(FILE, schema);
    this.instanceId = saved?.instanceId ?? randomBytes(16).toString("hex");
    this.interruptedRunIds = saved?.activeRunIds ?? [];
    // The interrupted ones get their end report from this process (Agent.start).
    for (const runId of [...(saved?.unreportedRunIds ?? []), ...this.interruptedRunIds]) this.unreported.add(runId);
    this.save();
  }

  /** Runs the server must not take for lost: running, or ended with their report still on its way. */
  get runIdsToMention(): string[] {
    return [...new Set([...this.active, ...this.unreported])];
  }

  markActive(runId: string): void {
    this.active.add(runId);
    this.save();
  }

  /** bpftrace exited and the end report is in the spool. */
  markEnded(runId: string): void {
    this.active.delete(runId);
    this.unreported.add(runId);
    this.save();
  }

  /** The server stored the end report. */
  markReported(runId: string): void {
    if (!this.unreported.delete(runId)) return;
    this.save();
  }

  private save(): void {
    this.state.writeJson(FILE, { instanceId: this.instanceId, activeRunIds: [...this.active], unreportedRunIds: [...this.unreported] });
  }
}
