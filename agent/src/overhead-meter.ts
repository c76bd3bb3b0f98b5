import { execFile } from "node:child_process";
import type { OverheadRecord, ProgramOverhead } from "@/lib/shared/frame.ts";
import { ProcReader, findBpfProgramFds, type BpfProgramInfo, type ProcStat } from "./proc.ts";

export type OverheadMeterOptions = {
  pid: number;
  budgetPercent: number;
  windowSec: number;
  clockTicks: number;
  /** When bpftrace's programs appeared: the run's spending is counted from here. */
  attachedAt: number;
  /**
   * bpftrace's own CPU counts from the first sample at or after this time: before it, bpftrace is
   * still attaching (perf events on every CPU), which is start-up, not the run's overhead.
   */
  countProcessFrom: number;
  now(): number;
  readStat?(pid: number): ProcStat | null;
  readPrograms?(pid: number): BpfProgramInfo[];
  programName?(id: number): string | null;
};

/** What the run spent in the current window, as the stop rule counts it. */
export type OverheadWindow = {
  /** How long the window is so far: time since attaching early in the run, about `windowSec` after. */
  spanMs: number;
  /** CPU the BPF programs and bpftrace spent in it, in ns. */
  spentNs: number;
  bpfNs: number;
  bpftraceNs: number;
  /** What the run may spend in it: cpuBudgetPercent × windowSec (× the span, when a stalled timer made it longer). */
  allowanceNs: number;
  budgetPercent: number;
  windowSec: number;
};

export type OverheadReading = { window: OverheadWindow; overAllowance: boolean };

/** Cumulative figures since attaching, at one moment. */
type Point = { atMs: number; bpfNs: number; ticks: number; events: number };

/** The programs' counters at the last overhead record, for per-program figures since then. */
type Counters = Map<number, { runTimeNs: number; runCnt: number }>;

/**
 * Look for new program fds after 1, 2, 4, ... samples, then every 50 (5 s): bpftrace loads its
 * programs while it starts attaching, so they all appear early, and listing /proc/<pid>/fd costs
 * more than reading the programs' counters (the fds of its maps and perf buffers are listed too).
 */
const RESCAN_AT_MOST_EVERY = 50;

/**
 * A run's CPU cost, measured where it is spent, and its stop rule.
 *
 * Cost: the kernel's run time of the run's BPF programs (`run_time_ns` in
 * /proc/<pid>/fdinfo, counted while kernel.bpf_stats_enabled is on) plus
 * bpftrace's own user and system CPU (/proc/<pid>/stat). The programs' run
 * time counts from zero (they run only once attached, so all of it is the
 * run's); bpftrace's own CPU counts once attaching settled.
 *
 * Rule: the budget is an allowance. A run may spend cpuBudgetPercent ×
 * windowSec of CPU in any window of windowSec; it is over as soon as what it
 * spent in the current sliding window exceeds that. A run far over its
 * budget is therefore stopped as soon as it has spent the allowance (a run at
 * 10× a 1% budget over 5 s: after 0.5 s), and whatever its rate, it takes at
 * most the allowance plus what it spends between two samples and while
 * bpftrace detaches; a run that stays under its budget never reaches it.
 *
 * The window's start is the oldest sample inside it, so the span counted is
 * at most windowSec and a steady run just under its budget is never over.
 * bpftrace's CPU comes in clock ticks (10 ms), truncated at both ends of the
 * window: the rule forgives one tick, so that rounding never stops a run.
 */
export class OverheadMeter {
  private readonly points: Point[];
  private readonly programs = new Map<number, BpfProgramInfo>();
  private reported: Counters = new Map();
  private reportedAt: Point;
  private ticksBase: number | undefined;
  private latest: Point;
  private readonly readStat: (pid: number) => ProcStat | null;
  private readonly readPrograms: (pid: number) => BpfProgramInfo[];
  private readonly proc: ProcReader;
  private programFds: string[] = [];
  private samples = 0;
  private nextScan = 0;
  private scanEvery = 1;

  constructor(private readonly options: OverheadMeterOptions) {
    this.proc = new ProcReader(options.pid);
    this.readStat = options.readStat ?? (() => this.proc.stat());
    this.readPrograms = options.readPrograms ?? ((pid) => this.readKnownPrograms(pid));
    this.latest = { atMs: options.attachedAt, bpfNs: 0, ticks: 0, events: 0 };
    this.points = [this.latest];
    this.reportedAt = this.latest;
  }

  /** Reads the fdinfo of the program fds found before; looks for fds again now and then, or while none were found. */
  private readKnownPrograms(pid: number): BpfProgramInfo[] {
    if (++this.samples >= this.nextScan || this.programFds.length === 0) {
      this.programFds = findBpfProgramFds(pid);
      this.nextScan = this.samples + this.scanEvery;
      this.scanEvery = Math.min(this.scanEvery * 2, RESCAN_AT_MOST_EVERY);
    }
    return this.proc.programs(this.programFds);
  }

  /** Closes the /proc files it holds open. */
  dispose(): void {
    this.proc.dispose();
  }

  /** Null once bpftrace is gone. */
  sample(): OverheadReading | null {
    const { options } = this;
    const stat = this.readStat(options.pid);
    if (!stat) return null;
    const atMs = options.now();
    for (const program of this.readPrograms(options.pid)) this.programs.set(program.id, program);
    let ticks = 0;
    if (atMs >= options.countProcessFrom) {
      this.ticksBase ??= stat.utime + stat.stime;
      ticks = stat.utime + stat.stime - this.ticksBase;
    }
    let bpfNs = 0;
    let events = 0;
    // A program that is no longer listed keeps its last counts: what it spent stays spent.
    for (const program of this.programs.values()) {
      bpfNs += program.runTimeNs;
      events += program.runCnt;
    }
    const now: Point = { atMs, bpfNs, ticks, events };
    this.latest = now;
    this.points.push(now);
    const windowMs = options.windowSec * 1000;
    // The window starts at the oldest sample inside it; keep one more than now, however late the timer fired.
    while (this.points.length > 2 && this.points[0]!.atMs < atMs - windowMs) this.points.shift();
    const base = this.points[0]!;
    const spanMs = Math.max(atMs - base.atMs, 0);
    const tickNs = 1e9 / options.clockTicks;
    const window: OverheadWindow = {
      spanMs,
      bpfNs: bpfNs - base.bpfNs,
      bpftraceNs: Math.max(ticks - base.ticks - 1, 0) * tickNs,
      spentNs: 0,
      allowanceNs: (options.budgetPercent / 100) * Math.max(windowMs, spanMs) * 1e6,
      budgetPercent: options.budgetPercent,
      windowSec: options.windowSec,
    };
    window.spentNs = window.bpfNs + window.bpftraceNs;
    return { window, overAllowance: window.spentNs > window.allowanceNs };
  }

  /**
   * The overhead record streamed with the frames: averages over the current
   * window (bpftrace's ticks as measured, without the rule's forgiven one),
   * and per program what ran since the previous record.
   */
  record(): OverheadRecord {
    const now = this.latest;
    const base = this.points[0]!;
    const elapsedMs = Math.max(now.atMs - base.atMs, 1);
    const bpfPercent = ((now.bpfNs - base.bpfNs) / (elapsedMs * 1e6)) * 100;
    const bpftracePercent = ((now.ticks - base.ticks) / this.options.clockTicks / (elapsedMs / 1000)) * 100;
    const record: OverheadRecord = {
      type: "overhead",
      windowSec: round(elapsedMs / 1000, 1),
      cpuPercent: round(bpfPercent + bpftracePercent, 3),
      bpfPercent: round(bpfPercent, 3),
      bpftracePercent: round(bpftracePercent, 3),
      budgetPercent: this.options.budgetPercent,
      eventsPerSec: Math.round((now.events - base.events) / (elapsedMs / 1000)),
      programs: this.perProgram(),
    };
    this.reportedAt = now;
    return record;
  }

  /** Whether a record would cover at least `ms` since the previous one. */
  recordDue(ms: number): boolean {
    return this.latest.atMs - this.reportedAt.atMs >= ms;
  }

  private perProgram(): ProgramOverhead[] {
    const counters: Counters = new Map();
    const programs = [...this.programs.values()]
      .sort((a, b) => a.id - b.id)
      .map((program) => {
        const before = this.reported.get(program.id);
        counters.set(program.id, { runTimeNs: program.runTimeNs, runCnt: program.runCnt });
        const events = program.runCnt - (before?.runCnt ?? 0);
        const ns = program.runTimeNs - (before?.runTimeNs ?? 0);
        return {
          id: program.id,
          name: this.options.programName?.(program.id) ?? null,
          type: program.type,
          events,
          nsPerEvent: events > 0 ? Math.round(ns / events) : null,
        };
      });
    this.reported = counters;
    return programs;
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** "3.4%", "0.25%", "12%": two significant digits, the way a person reads a budget. */
export function formatPercent(value: number): string {
  return `${Number(value.toPrecision(2))}%`;
}

/** "0.21 s", "0.05 s", "1.2 s", "5 s": two significant digits. */
export function formatSeconds(seconds: number): string {
  return `${seconds === 0 ? 0 : Number(seconds.toPrecision(2))} s`;
}

/** Why the agent stopped a run over its allowance, in one sentence with the measured figures. */
export function describeOverAllowance(window: OverheadWindow): string {
  return (
    `stopped: spent ${formatSeconds(window.spentNs / 1e9)} of CPU in ${formatSeconds(window.spanMs / 1000)}, ` +
    `over its allowance of ${formatSeconds(window.allowanceNs / 1e9)} (${formatPercent(window.budgetPercent)} of a CPU over ${window.windowSec} s; ` +
    `BPF programs ${formatSeconds(window.bpfNs / 1e9)}, bpftrace ${formatSeconds(window.bpftraceNs / 1e9)})`
  );
}

/**
 * Program names from bpftool (bpftrace names each program after its probe), looked up once per
 * program and only when bpftool is installed; the fdinfo files do not carry names.
 */
export class ProgramNames {
  private readonly names = new Map<number, string | null>();

  constructor(private readonly bpftoolPath: string | null) {}

  nameOf(id: number): string | null {
    if (!this.bpftoolPath) return null;
    if (!this.names.has(id)) {
      this.names.set(id, null);
      execFile(this.bpftoolPath, ["prog", "show", "id", String(id), "--json"], { timeout: 2000, maxBuffer: 64 * 1024 }, (error, stdout) => {
        if (error) return;
        try {
          const name = (JSON.parse(stdout) as { name?: unknown }).name;
          if (typeof name === "string") this.names.set(id, name.slice(0, 64));
        } catch {
          // not JSON: leave the name unknown
        }
      });
    }
    return this.names.get(id) ?? null;
  }
}
