import { performance } from "node:perf_hooks";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import type { AgentEndReason, RunEnd } from "@/lib/protocol/agent-events.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import { MAX_FRAME_BYTES, type Frame, type FrameRecord } from "@/lib/shared/frame.ts";
import { HistDeltaTracker } from "@/lib/shared/bpftrace/deltas.ts";
import { OutputParser, type ParsedLine } from "@/lib/shared/bpftrace/parse-output.ts";
import { BpftraceProcess, type BpftraceExit } from "./bpftrace-process.ts";
import { positionalArgs } from "@/lib/shared/runbook-params.ts";
import { OutputGuard } from "./output-guard.ts";
import { OverheadMeter, describeOverAllowance } from "./overhead-meter.ts";
import { findBpfProgramFds } from "./proc.ts";

/** Where a run's frames and end report go (the spool): a frame that does not fit is refused, not lost silently. */
export type RunSink = {
  tryPushFrame(frame: Frame, json: string): boolean;
  pushFrameAlways(frame: Frame): void;
  pushEnd(report: RunEnd): void;
};

export type RunSupervisorOptions = {
  order: RunOrder;
  bpftracePath: string;
  setprivPath: string;
  stopGraceMs: number;
  /** bpftrace's complete environment, its resource caps included. */
  env: Record<string, string>;
  sink: RunSink;
  clockTicks: number;
  /** Sampling period of the overhead meter (default 100 ms: see SAMPLE_MS). */
  sampleMs?: number;
  /** How often an overhead frame goes out (default 2 s). */
  reportMs?: number;
  /** Called about once a second while the run is measured (keeps kernel.bpf_stats_enabled on). */
  beforeSample?(): void;
  programName?(id: number): string | null;
  now(): number;
  log(message: string, fields?: Record<string, unknown>): void;
};

type StopRequest = { reason: AgentEndReason; detail: string | null };

/** Before bpftrace printed anything, its own start-up CPU is not the run's overhead; start measuring anyway after this. */
const ATTACH_FALLBACK_MS = 30_000;
const PROGRAM_POLL_MS = 20;
/** After the programs appear: attaching them (perf events on every CPU) finishes within this, measured on 0.17. */
const SETTLE_MS = 250;
/**
 * The overhead meter samples this often, for the whole run: a run over its allowance is stopped at
 * most this long after it crossed it (docs/run-order.md, "The CPU allowance"). A sample reads
 * /proc/<pid>/stat and one fdinfo file per BPF program: about 10 µs plus 5 to 8 µs a program
 * (`npm run bench:overhead-stop`), so 0.05 to 0.2% of a core for programs of up to 20 probes.
 */
const SAMPLE_MS = 100;
/**
 * Measuring a run never takes more than this share of a core: a program with hundreds of probes
 * (a sample then costs milliseconds) is sampled less often, in proportion.
 */
const MAX_SAMPLING_SHARE = 0.005;
const REPORT_MS = 2000;

/**
 * Runs one verified order: starts bpftrace with exactly the verified program
 * and the signed resource caps, turns its output into numbered frames (with
 * per-interval deltas of cumulative histograms), measures its overhead and
 * output, stops it at the first limit it crosses, at the signed duration, at
 * the order's expiry, or on request, and reports how it ended. `done`
 * resolves once bpftrace has exited and the end report is written.
 */
export class RunSupervisor {
  readonly done: Promise<void>;
  private seq = 0;
  private stopRequest: StopRequest | undefined;
  private process: BpftraceProcess | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private sampler: NodeJS.Timeout | undefined;
  /** What one sample costs, smoothed: spaces samples out when they are expensive. */
  private sampleCostMs = 0;
  private attachFallback: NodeJS.Timeout | undefined;
  private meter: OverheadMeter | undefined;
  private waitingForPrograms = false;
  private attachPoll: NodeJS.Timeout | undefined;
  private attachedAt: number | undefined;
  private samples = 0;
  private readonly output: OutputGuard;
  private readonly deltas = new HistDeltaTracker();
  private readonly clearedMaps: Set<string>;
  private gap: { fromSeq: number; toSeq: number } | undefined;
  private droppedFrames = 0;
  private refusedFrames = 0;
  private startedAt = 0;
  private deadlineAtMs = Number.POSITIVE_INFINITY;

  constructor(private readonly options: RunSupervisorOptions) {
    this.output = new OutputGuard(options.order.limits, options.now);
    this.clearedMaps = mapsClearedBy(options.order.program.source);
    this.done = this.run();
  }

  get runId(): string {
    return this.options.order.runId;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** When the agent stops it at the latest: its signed duration or its order's expiry, whichever comes first. */
  get deadlineAt(): number {
    return this.deadlineAtMs;
  }

  /** The first request wins: a user's stop after the duration limit fired stays a duration-limit end. */
  requestStop(reason: AgentEndReason, detail: string | null): void {
    if (this.stopRequest) return;
    this.stopRequest = { reason, detail };
    const sinceAttachMs = this.attachedAt === undefined ? undefined : this.options.now() - this.attachedAt;
    this.options.log("stopping run", { runId: this.runId, reason, detail, sinceAttachMs });
    void this.process?.stop(this.options.stopGraceMs);
  }

  /** The server refused frames fromSeq..toSeq for good (the spool stepped over them): say so in the run itself. */
  recordRefusedFrames(fromSeq: number, toSeq: number, frames: number, reason: string): void {
    this.refusedFrames += frames;
    this.options.sink.pushFrameAlways({
      runId: this.runId,
      seq: ++this.seq,
      at: this.options.now(),
      record: { type: "gap", fromSeq, toSeq, frames, reason: reason.slice(0, 2000) },
    });
  }

  private async run(): Promise<void> {
    const { order } = this.options;
    const parser = new OutputParser();
    this.startedAt = this.options.now();
    this.process = BpftraceProcess.start({
      bpftracePath: this.options.bpftracePath,
      setprivPath: this.options.setprivPath,
      program: order.program.source,
      // Checked against the signed schema by the order gate (verifyRunOrder) before this run was admitted.
      positionalArgs: order.runbook ? positionalArgs(order.runbook.params, order.runbook.values) : [],
      env: this.options.env,
      onStdout: (chunk) => {
        if (!this.stopRequest) {
          const why = this.output.onOutput(chunk.length, countNewlines(chunk));
          if (why) this.requestStop("output-limit", why);
        }
        this.deliver(parser.push(chunk));
      },
    });
    this.options.log("bpftrace started", { runId: order.runId, pid: this.process.pid });
    this.armDeadline();
    this.attachFallback = setTimeout(() => {
      clearTimeout(this.attachPoll);
      if (this.process?.pid) this.beginSampling(this.process.pid, 0);
    }, ATTACH_FALLBACK_MS);
    const exit = await this.process.exited;
    clearTimeout(this.deadline);
    clearTimeout(this.attachFallback);
    clearTimeout(this.attachPoll);
    clearTimeout(this.sampler);
    this.meter?.dispose();
    this.deliver(parser.end());
    if (this.meter?.recordDue(1)) this.emit(this.meter.record());
    this.reportGap();
    this.options.sink.pushEnd({
      runId: order.runId,
      ...this.describeEnd(exit),
      endedAt: this.options.now(),
      lastSeq: this.seq,
    });
  }

  private deliver(lines: ParsedLine[]): void {
    for (const line of lines) {
      if (line.kind !== "record") {
        this.options.log("skipped a line of bpftrace output", { runId: this.runId, reason: line.reason, line: line.text.slice(0, 200) });
        continue;
      }
      const { record } = line;
      if (!this.meter) this.startMeasuring();
      if (record.type === "lost_events" && !this.stopRequest) {
        const why = this.output.onLostEvents(Number(record.count));
        if (why) this.requestStop("output-limit", why);
      }
      let delta: HistRecord | undefined;
      if (record.type === "hist" && !this.clearedMaps.has(record.map)) {
        const computed = this.deltas.next(record);
        if (computed !== record) delta = computed;
      }
      this.emit(record, delta);
    }
  }

  /**
   * bpftrace prints `attached_probes` as it starts attaching, before its programs are loaded
   * (measured on 0.17), so the agent watches for the programs' fds and starts measuring once they
   * are there: from then on everything the programs run counts, and bpftrace's own CPU counts once
   * attaching has settled (loading, verifying and attaching them is start-up, not the run's overhead).
   */
  private startMeasuring(): void {
    if (this.meter || this.waitingForPrograms || !this.process?.pid) return;
    this.waitingForPrograms = true;
    const pid = this.process.pid;
    const poll = () => {
      if (!this.process?.running || this.stopRequest) return;
      if (findBpfProgramFds(pid).length === 0) {
        this.attachPoll = setTimeout(poll, PROGRAM_POLL_MS);
        return;
      }
      clearTimeout(this.attachFallback);
      this.options.log("bpftrace attached", { runId: this.runId, pid, attachMs: this.options.now() - this.startedAt });
      this.beginSampling(pid, SETTLE_MS);
    };
    poll();
  }

  private beginSampling(pid: number, settleMs: number): void {
    if (this.meter || !this.process?.running) return;
    const { order } = this.options;
    const attachedAt = this.options.now();
    this.attachedAt = attachedAt;
    this.meter = new OverheadMeter({
      pid,
      budgetPercent: order.limits.cpuBudgetPercent,
      windowSec: order.limits.windowSec,
      clockTicks: this.options.clockTicks,
      attachedAt,
      countProcessFrom: attachedAt + settleMs,
      now: this.options.now,
      programName: this.options.programName,
    });
    this.scheduleSample();
  }

  private scheduleSample(): void {
    const periodMs = Math.max(this.options.sampleMs ?? SAMPLE_MS, this.sampleCostMs / MAX_SAMPLING_SHARE);
    this.sampler = setTimeout(() => {
      if (!this.process?.running || this.stopRequest) return;
      const started = performance.now();
      this.sampleOverhead();
      this.sampleCostMs = this.sampleCostMs === 0 ? performance.now() - started : 0.8 * this.sampleCostMs + 0.2 * (performance.now() - started);
      this.scheduleSample();
    }, periodMs);
  }

  private sampleOverhead(): void {
    const meter = this.meter;
    if (!meter || this.stopRequest) return;
    const sampleMs = this.options.sampleMs ?? SAMPLE_MS;
    if (this.samples++ % Math.max(1, Math.round(1000 / sampleMs)) === 0) this.options.beforeSample?.();
    const reading = meter.sample();
    if (!reading) return;
    if (reading.overAllowance) {
      this.emit(meter.record());
      this.requestStop("overhead-limit", describeOverAllowance(reading.window));
      return;
    }
    if (meter.recordDue(this.options.reportMs ?? REPORT_MS)) this.emit(meter.record());
  }

  private emit(record: FrameRecord, delta?: HistRecord): void {
    let frame: Frame = { runId: this.runId, seq: ++this.seq, at: this.options.now(), record, ...(delta ? { delta } : {}) };
    let json = JSON.stringify(frame);
    if (json.length > MAX_FRAME_BYTES / 4 && Buffer.byteLength(json) > MAX_FRAME_BYTES && delta) {
      frame = { runId: frame.runId, seq: frame.seq, at: frame.at, record };
      json = JSON.stringify(frame);
    }
    if (json.length > MAX_FRAME_BYTES / 4 && Buffer.byteLength(json) > MAX_FRAME_BYTES) {
      frame = { runId: frame.runId, seq: frame.seq, at: frame.at, record: { type: "oversized", recordType: record.type, bytes: Buffer.byteLength(JSON.stringify(record)) } };
      json = JSON.stringify(frame);
    }
    if (this.options.sink.tryPushFrame(frame, json)) {
      this.reportGap();
      return;
    }
    if (!this.gap) this.options.log("frame buffer full: dropping frames until the server takes some", { runId: this.runId, fromSeq: frame.seq });
    this.gap = { fromSeq: this.gap?.fromSeq ?? frame.seq, toSeq: frame.seq };
    this.droppedFrames++;
  }

  /** After frames were dropped, the next frame that fits is followed by a record of what is missing. */
  private reportGap(): void {
    if (!this.gap) return;
    const { fromSeq, toSeq } = this.gap;
    this.gap = undefined;
    const frames = toSeq - fromSeq + 1;
    this.options.log("frame buffer has room again; recorded the gap", { runId: this.runId, fromSeq, toSeq });
    this.options.sink.pushFrameAlways({
      runId: this.runId,
      seq: ++this.seq,
      at: this.options.now(),
      record: { type: "gap", fromSeq, toSeq, frames, reason: "the agent's frame buffer was full while the server was unreachable" },
    });
  }

  private armDeadline(): void {
    const { order } = this.options;
    const byDuration = this.startedAt + order.limits.durationSec * 1000;
    const byExpiry = Date.parse(order.expiresAt);
    const [at, reason, detail] =
      byExpiry < byDuration
        ? ([byExpiry, "expired", `the approval expired at ${order.expiresAt}`] as const)
        : ([byDuration, "duration-limit", `reached the ${order.limits.durationSec} s duration limit`] as const);
    this.deadlineAtMs = at;
    this.deadline = setTimeout(() => this.requestStop(reason, detail), Math.max(0, at - this.options.now()));
  }

  private describeEnd(exit: BpftraceExit): { reason: AgentEndReason; detail: string | null } {
    const notes: string[] = [];
    const grace = this.options.stopGraceMs / 1000;
    if (exit.killed) notes.push(`bpftrace did not exit within ${grace} s of SIGINT and was killed with SIGKILL`);
    else if (this.process?.sigintSent) notes.push("bpftrace exited on SIGINT");
    if (this.droppedFrames > 0) {
      notes.push(`${this.droppedFrames} frames were dropped because the agent's frame buffer was full while the server was unreachable (see the gap records)`);
    }
    if (this.refusedFrames > 0) notes.push(`${this.refusedFrames} frames were refused by the server (see the gap records)`);
    if (this.stopRequest) {
      const detail = [this.stopRequest.detail, ...notes].filter(Boolean).join("; ");
      return { reason: this.stopRequest.reason, detail: detail || null };
    }
    if (exit.code === 0) return { reason: "completed", detail: notes.join("; ") || null };
    const how = exit.signal ? `bpftrace was killed by ${exit.signal}` : `bpftrace exited with status ${exit.code}`;
    return { reason: "failed", detail: [exit.stderr || how, ...notes].join("; ") };
  }
}

function countNewlines(chunk: Buffer): number {
  let lines = 0;
  for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines++;
  return lines;
}

/**
 * Maps the program itself clears or zeroes: their prints already cover one interval each, so the
 * delta tracker must not subtract them (docs/bpftrace-output.md, "Per-interval deltas").
 */
export function mapsClearedBy(source: string): Set<string> {
  const cleared = new Set<string>();
  for (const match of source.matchAll(/\b(?:clear|zero)\s*\(\s*(@[A-Za-z0-9_]*)/g)) cleared.add(match[1]!);
  return cleared;
}
