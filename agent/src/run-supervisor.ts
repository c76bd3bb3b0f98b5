import type { RunOrder } from "@/lib/shared/run-order.ts";
import type { AgentEndReason, RunEnd } from "@/lib/shared/socket-events.ts";
import type { OutputRecord } from "@/lib/shared/bpftrace/records.ts";
import { BpftraceProcess, type BpftraceExit } from "./bpftrace-process.ts";
import { OutputParser, type ParsedLine } from "@/lib/shared/bpftrace/parse-output.ts";

export type RunSupervisorOptions = {
  order: RunOrder;
  bpftracePath: string;
  setprivPath: string;
  stopGraceMs: number;
  env: Record<string, string>;
  now(): number;
  emitFrame(frame: { runId: string; seq: number; at: number; record: OutputRecord }): void;
  emitEnd(report: RunEnd): void;
  log(message: string, fields?: Record<string, unknown>): void;
};

type StopRequest = { reason: AgentEndReason; detail: string | null };

/**
 * Runs one verified order: starts bpftrace with exactly the verified program,
 * turns its output into numbered frames, stops it at the signed duration limit
 * (or the order's expiry, whichever comes first) or on request, and reports
 * how it ended. `done` resolves once bpftrace has exited and the end report
 * is queued.
 */
export class RunSupervisor {
  readonly done: Promise<void>;
  private seq = 0;
  private stopRequest: StopRequest | undefined;
  private process: BpftraceProcess | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private droppedFrames = 0;

  constructor(private readonly options: RunSupervisorOptions) {
    this.done = this.run();
  }

  get runId(): string {
    return this.options.order.runId;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The first request wins: a user's stop after the duration limit fired stays a duration-limit end. */
  requestStop(reason: AgentEndReason, detail: string | null): void {
    if (this.stopRequest) return;
    this.stopRequest = { reason, detail };
    this.options.log("stopping run", { runId: this.runId, reason });
    void this.process?.stop(this.options.stopGraceMs);
  }

  /** Frames the agent had to drop (its buffer was full while the server was away). */
  recordDropped(count: number): void {
    this.droppedFrames += count;
  }

  private async run(): Promise<void> {
    const { order } = this.options;
    const parser = new OutputParser();
    const deliver = (lines: ParsedLine[]) => {
      for (const line of lines) {
        if (line.kind === "record") {
          this.options.emitFrame({ runId: order.runId, seq: ++this.seq, at: this.options.now(), record: line.record });
        } else {
          this.options.log("skipped a line of bpftrace output", { runId: order.runId, reason: line.reason, line: line.text.slice(0, 200) });
        }
      }
    };
    const startedAt = this.options.now();
    this.process = BpftraceProcess.start({
      bpftracePath: this.options.bpftracePath,
      setprivPath: this.options.setprivPath,
      program: order.program.source,
      env: this.options.env,
      onStdout: (chunk) => deliver(parser.push(chunk)),
    });
    this.options.log("bpftrace started", { runId: order.runId, pid: this.process.pid });
    this.armDeadline(startedAt);
    const exit = await this.process.exited;
    clearTimeout(this.deadline);
    deliver(parser.end());
    this.options.emitEnd({
      runId: order.runId,
      ...this.describeEnd(exit),
      endedAt: this.options.now(),
      lastSeq: this.seq,
    });
  }

  private armDeadline(startedAt: number): void {
    const { order } = this.options;
    const byDuration = startedAt + order.limits.durationSec * 1000;
    const byExpiry = Date.parse(order.expiresAt);
    const [at, reason, detail] =
      byExpiry < byDuration
        ? ([byExpiry, "expired", `the approval expired at ${order.expiresAt}`] as const)
        : ([byDuration, "duration-limit", `reached the ${order.limits.durationSec} s duration limit`] as const);
    this.deadline = setTimeout(() => this.requestStop(reason, detail), Math.max(0, at - this.options.now()));
  }

  private describeEnd(exit: BpftraceExit): { reason: AgentEndReason; detail: string | null } {
    const notes: string[] = [];
    if (exit.killed) notes.push(`bpftrace did not exit within ${this.options.stopGraceMs / 1000} s of SIGINT and was killed`);
    if (this.droppedFrames > 0) notes.push(`${this.droppedFrames} frames were dropped while the server was unreachable`);
    if (this.stopRequest) {
      const detail = [this.stopRequest.detail, ...notes].filter(Boolean).join("; ");
      return { reason: this.stopRequest.reason, detail: detail || null };
    }
    if (exit.code === 0) return { reason: "completed", detail: notes.join("; ") || null };
    const how = exit.signal ? `bpftrace was killed by ${exit.signal}` : `bpftrace exited with status ${exit.code}`;
    return { reason: "failed", detail: [exit.stderr || how, ...notes].join("; ") };
  }
}
