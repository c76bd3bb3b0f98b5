import { execFile } from "node:child_process";
import type { OverheadRecord, ProgramOverhead } from "@/lib/shared/frame.ts";
import { findBpfProgramFds, readBpfProgramFds, readProcStat, type BpfProgramInfo, type ProcStat } from "./proc.ts";

type Sample = { atMs: number; cpuTicks: number; programs: Map<number, BpfProgramInfo> };

export type OverheadMeterOptions = {
  pid: number;
  budgetPercent: number;
  windowSec: number;
  clockTicks: number;
  now(): number;
  readStat?(pid: number): ProcStat | null;
  readPrograms?(pid: number): BpfProgramInfo[];
  programName?(id: number): string | null;
};

export type OverheadReading = { record: OverheadRecord; overBudget: boolean };

/**
 * A run's CPU cost, measured where it is spent: the kernel's run time of the
 * run's BPF programs (`run_time_ns` in /proc/<pid>/fdinfo, counted while
 * kernel.bpf_stats_enabled is on) plus bpftrace's own user and system CPU
 * (/proc/<pid>/stat). Sampled about once a second from the moment bpftrace
 * attached (its compile-time CPU is not the run's overhead), averaged over the
 * signed window; over budget only once a whole window was seen.
 */
export class OverheadMeter {
  private readonly samples: Sample[] = [];
  private readonly readStat: (pid: number) => ProcStat | null;
  private readonly readPrograms: (pid: number) => BpfProgramInfo[];
  private programFds: string[] = [];
  private samplesSinceScan = Number.POSITIVE_INFINITY;

  constructor(private readonly options: OverheadMeterOptions) {
    this.readStat = options.readStat ?? readProcStat;
    this.readPrograms = options.readPrograms ?? ((pid) => this.readKnownPrograms(pid));
  }

  /** Reads the fdinfo of the program fds found before; looks for fds again every tenth sample, or while none were found. */
  private readKnownPrograms(pid: number): BpfProgramInfo[] {
    if (++this.samplesSinceScan >= 10 || this.programFds.length === 0) {
      this.programFds = findBpfProgramFds(pid);
      this.samplesSinceScan = 0;
    }
    return readBpfProgramFds(pid, this.programFds);
  }

  /** Null while there is nothing to compare with yet (the first sample) or bpftrace is gone. */
  sample(): OverheadReading | null {
    const stat = this.readStat(this.options.pid);
    if (!stat) return null;
    const now: Sample = {
      atMs: this.options.now(),
      cpuTicks: stat.utime + stat.stime,
      programs: new Map(this.readPrograms(this.options.pid).map((program) => [program.id, program])),
    };
    const previous = this.samples.at(-1);
    this.samples.push(now);
    const windowMs = this.options.windowSec * 1000;
    // Keep one sample at or before the window's start as the base of the averages.
    while (this.samples.length > 2 && this.samples[1]!.atMs <= now.atMs - windowMs) this.samples.shift();
    if (!previous) return null;
    const base = this.samples[0]!;
    const elapsedMs = now.atMs - base.atMs;
    if (elapsedMs <= 0) return null;
    const bpfNs = sumOver(now, base, (p) => p.runTimeNs);
    const events = sumOver(now, base, (p) => p.runCnt);
    const bpfPercent = (bpfNs / (elapsedMs * 1e6)) * 100;
    const bpftracePercent = ((now.cpuTicks - base.cpuTicks) / this.options.clockTicks / (elapsedMs / 1000)) * 100;
    const cpuPercent = bpfPercent + bpftracePercent;
    const record: OverheadRecord = {
      type: "overhead",
      windowSec: round(elapsedMs / 1000, 1),
      cpuPercent: round(cpuPercent, 3),
      bpfPercent: round(bpfPercent, 3),
      bpftracePercent: round(bpftracePercent, 3),
      budgetPercent: this.options.budgetPercent,
      eventsPerSec: Math.round(events / (elapsedMs / 1000)),
      programs: this.perProgram(now, previous),
    };
    // A timer that fired late still compares a whole window: allow a tenth of a second of slack.
    const windowSeen = elapsedMs >= windowMs - 100;
    return { record, overBudget: windowSeen && cpuPercent > this.options.budgetPercent };
  }

  private perProgram(now: Sample, previous: Sample): ProgramOverhead[] {
    return [...now.programs.values()]
      .sort((a, b) => a.id - b.id)
      .map((program) => {
        const before = previous.programs.get(program.id);
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
  }
}

function sumOver(now: Sample, base: Sample, pick: (program: BpfProgramInfo) => number): number {
  let total = 0;
  for (const program of now.programs.values()) {
    const before = base.programs.get(program.id);
    total += pick(program) - (before ? pick(before) : 0);
  }
  return total;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** "3.4%", "0.25%", "12%": two significant digits, the way a person reads a budget. */
export function formatPercent(value: number): string {
  return `${Number(value.toPrecision(2))}%`;
}

/** Why the agent stopped a run over its budget, in one sentence. */
export function describeOverBudget(record: OverheadRecord): string {
  return (
    `stopped: overhead ${formatPercent(record.cpuPercent)} of a CPU over the ${formatPercent(record.budgetPercent)} budget ` +
    `for ${record.windowSec} s (BPF programs ${formatPercent(record.bpfPercent)}, bpftrace ${formatPercent(record.bpftracePercent)})`
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
