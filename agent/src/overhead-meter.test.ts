import { describe, expect, it } from "vitest";
import type { BpfProgramInfo, ProcStat } from "./proc.ts";
import { parseFdinfo } from "./proc.ts";
import { OverheadMeter, describeOverBudget } from "./overhead-meter.ts";

/** A bpftrace whose programs cost `bpfNsPerSec` of kernel time and which itself burns `ticksPerSec` (100 Hz ticks). */
function fakeProcess(bpfNsPerSec: number, ticksPerSec: number, eventsPerSec = 1000) {
  let now = 0;
  const stat = (): ProcStat => ({ comm: "bpftrace", state: "S", utime: Math.round((now / 1000) * ticksPerSec), stime: 0, startTime: 1 });
  const programs = (): BpfProgramInfo[] => [
    { id: 7, type: 5, runTimeNs: Math.round((now / 1000) * bpfNsPerSec * 0.75), runCnt: Math.round((now / 1000) * eventsPerSec) },
    { id: 8, type: 7, runTimeNs: Math.round((now / 1000) * bpfNsPerSec * 0.25), runCnt: Math.round(now / 1000) },
  ];
  return { tick: (ms: number) => (now += ms), now: () => now, stat, programs };
}

function meter(process: ReturnType<typeof fakeProcess>, budgetPercent: number, windowSec = 5) {
  return new OverheadMeter({
    pid: 1,
    budgetPercent,
    windowSec,
    clockTicks: 100,
    now: process.now,
    readStat: process.stat,
    readPrograms: process.programs,
    programName: (id) => (id === 7 ? "sys_enter_clock" : null),
  });
}

describe("OverheadMeter", () => {
  it("adds the BPF programs' kernel time and bpftrace's own CPU, as % of one CPU", () => {
    const process = fakeProcess(30_000_000, 1); // 3% in BPF programs, 1% in bpftrace
    const m = meter(process, 10);
    expect(m.sample()).toBeNull(); // nothing to compare with yet
    process.tick(1000);
    const reading = m.sample()!;
    expect(reading.record).toMatchObject({ type: "overhead", bpfPercent: 3, bpftracePercent: 1, cpuPercent: 4, budgetPercent: 10, eventsPerSec: 1001 });
    expect(reading.record.programs).toEqual([
      { id: 7, name: "sys_enter_clock", type: 5, events: 1000, nsPerEvent: 22_500 },
      { id: 8, name: null, type: 7, events: 1, nsPerEvent: 7_500_000 },
    ]);
  });

  it("is over budget only once a whole window above the budget was seen", () => {
    const process = fakeProcess(34_000_000, 0);
    const m = meter(process, 1, 5);
    m.sample();
    const overs: boolean[] = [];
    for (let second = 1; second <= 6; second++) {
      process.tick(1000);
      overs.push(m.sample()!.overBudget);
    }
    expect(overs).toEqual([false, false, false, false, true, true]);
  });

  it("stays within budget when the overhead is below it", () => {
    const process = fakeProcess(5_000_000, 0); // 0.5%
    const m = meter(process, 1, 2);
    m.sample();
    for (let second = 1; second <= 5; second++) {
      process.tick(1000);
      expect(m.sample()!.overBudget).toBe(false);
    }
  });

  it("explains a stop the way a person reads it", () => {
    const record = { type: "overhead" as const, windowSec: 5, cpuPercent: 3.412, bpfPercent: 3.1, bpftracePercent: 0.312, budgetPercent: 1, eventsPerSec: 1, programs: [] };
    expect(describeOverBudget(record)).toBe("stopped: overhead 3.4% of a CPU over the 1% budget for 5 s (BPF programs 3.1%, bpftrace 0.31%)");
  });
});

describe("parseFdinfo", () => {
  it("reads the program id, type and run statistics of a bpf-prog fd (measured on Linux 6.18)", () => {
    const text = "pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1039\nprog_type:\t5\nprog_jited:\t1\nprog_tag:\tc0b1a85fb75dc74b\nmemlock:\t4096\nprog_id:\t380\nrun_time_ns:\t123456\nrun_cnt:\t42\nrecursion_misses:\t0\nverified_insns:\t21\n";
    expect(parseFdinfo(text)).toEqual({ id: 380, type: 5, runTimeNs: 123456, runCnt: 42 });
    expect(parseFdinfo("pos:\t0\nflags:\t02\n")).toBeNull();
  });
});
