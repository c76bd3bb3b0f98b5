import { describe, expect, it } from "vitest";
import type { BpfProgramInfo, ProcStat } from "./proc.ts";
import { parseFdinfo } from "./proc.ts";
import { OverheadMeter, describeOverAllowance, type OverheadReading } from "./overhead-meter.ts";

/**
 * A stand-in for bpftrace as the meter reads it (a fake clock and fake /proc readers): two BPF
 * programs sharing the kernel time 3:1, and bpftrace's own CPU in 100 Hz clock ticks, truncated as
 * /proc/<pid>/stat truncates them. `run(ms, bpfPercent, bpftracePercent)` lets time pass at those rates.
 */
function fakeBpftrace() {
  let now = 0;
  let bpfNs = 0;
  let cpuNs = 0;
  let events = 0;
  return {
    now: () => now,
    run(ms: number, bpfPercent: number, bpftracePercent = 0, eventsPerSec = 1000) {
      now += ms;
      bpfNs += (ms * 1e6 * bpfPercent) / 100;
      cpuNs += (ms * 1e6 * bpftracePercent) / 100;
      events += (ms / 1000) * eventsPerSec;
    },
    stat: (): ProcStat => ({ comm: "bpftrace", state: "S", utime: Math.floor(cpuNs / 1e7), stime: 0, startTime: 1 }),
    programs: (): BpfProgramInfo[] => [
      { id: 7, type: 5, runTimeNs: Math.round(bpfNs * 0.75), runCnt: Math.round(events) },
      { id: 8, type: 7, runTimeNs: Math.round(bpfNs * 0.25), runCnt: Math.round(now / 1000) },
    ],
  };
}

function meter(bpftrace: ReturnType<typeof fakeBpftrace>, budgetPercent: number, windowSec = 5, settleMs = 0) {
  return new OverheadMeter({
    pid: 1,
    budgetPercent,
    windowSec,
    clockTicks: 100,
    attachedAt: bpftrace.now(),
    countProcessFrom: bpftrace.now() + settleMs,
    now: bpftrace.now,
    readStat: bpftrace.stat,
    readPrograms: bpftrace.programs,
    programName: (id) => (id === 7 ? "sys_enter_clock" : null),
  });
}

/** Samples every `everyMs` while the run spends at `bpfPercent`; the first reading over the allowance, or null. */
function runUntilOver(options: { budgetPercent: number; bpfPercent: number; windowSec?: number; everyMs?: number; forMs: number }) {
  const bpftrace = fakeBpftrace();
  const m = meter(bpftrace, options.budgetPercent, options.windowSec ?? 5);
  const everyMs = options.everyMs ?? 100;
  for (let at = everyMs; at <= options.forMs; at += everyMs) {
    bpftrace.run(everyMs, options.bpfPercent);
    const reading = m.sample()!;
    if (reading.overAllowance) return { atMs: bpftrace.now(), reading };
  }
  return null;
}

const seconds = (ns: number) => ns / 1e9;

describe("OverheadMeter: the budget is an allowance", () => {
  it("stops a run at 10× its budget within 1 s of attaching, once it has spent the allowance", () => {
    const over = runUntilOver({ budgetPercent: 1, bpfPercent: 10, forMs: 5000 })!;
    // 1% of a CPU over 5 s is 0.05 s; at 10% of a CPU that is spent after 0.5 s, and seen at the next sample.
    expect(over.atMs).toBe(600);
    expect(seconds(over.reading.window.allowanceNs)).toBeCloseTo(0.05, 9);
    expect(seconds(over.reading.window.spentNs)).toBeCloseTo(0.06, 9);
  });

  it("stops a run far over its budget sooner the further over it is", () => {
    const at = [10, 36, 100].map((bpfPercent) => runUntilOver({ budgetPercent: 1, bpfPercent, forMs: 5000 })!.atMs);
    expect(at).toEqual([600, 200, 100]);
  });

  it("bounds what a run takes above its allowance, whatever its rate: at most what it spends between two samples", () => {
    for (const bpfPercent of [2, 10, 36, 100, 200]) {
      const over = runUntilOver({ budgetPercent: 1, bpfPercent, forMs: 60_000 })!;
      const above = seconds(over.reading.window.spentNs - over.reading.window.allowanceNs);
      expect(above, `at ${bpfPercent}%`).toBeGreaterThan(0);
      expect(above, `at ${bpfPercent}%`).toBeLessThanOrEqual((bpfPercent / 100) * 0.1 + 1e-9);
    }
  });

  it("stops a run only slightly over its budget once a whole window of it exceeds the allowance", () => {
    const over = runUntilOver({ budgetPercent: 1, bpfPercent: 1.1, forMs: 60_000 })!;
    expect(over.atMs).toBeGreaterThan(4500);
    expect(over.atMs).toBeLessThanOrEqual(5000);
  });

  it("never stops a run just under its budget, whatever the timer's jitter, with bpftrace's ticks rounded", () => {
    const bpftrace = fakeBpftrace();
    const m = meter(bpftrace, 1);
    let jitter = 7;
    for (let i = 0; i < 3000; i++) {
      jitter = (jitter * 31 + 11) % 97; // late timers: 100 to 196 ms between samples
      // 0.5% in the programs and 0.49% in bpftrace itself, which the ticks show as 0, 10 or 20 ms at a time.
      bpftrace.run(100 + jitter, 0.5, 0.49);
      expect(m.sample()!.overAllowance).toBe(false);
    }
  });

  it("lets a burst within the allowance pass, and stops one beyond it", () => {
    const bpftrace = fakeBpftrace();
    const m = meter(bpftrace, 1);
    const readings: OverheadReading[] = [];
    for (let burst = 0; burst < 5; burst++) {
      bpftrace.run(100, 40); // 0.04 s at once
      readings.push(m.sample()!);
      for (let idle = 0; idle < 60; idle++) {
        bpftrace.run(100, 0);
        readings.push(m.sample()!);
      }
    }
    expect(readings.some((r) => r.overAllowance)).toBe(false);
    bpftrace.run(100, 60); // 0.06 s at once
    expect(m.sample()!.overAllowance).toBe(true);
  });

  it("counts bpftrace's own CPU only once attaching settled", () => {
    const bpftrace = fakeBpftrace();
    const m = meter(bpftrace, 1, 5, 250);
    bpftrace.run(100, 0, 100); // attaching: 0.1 s of bpftrace's CPU
    expect(m.sample()!.window.bpftraceNs).toBe(0);
    bpftrace.run(100, 0, 100);
    expect(m.sample()!.overAllowance).toBe(false);
    bpftrace.run(100, 0, 0); // settled: from this sample on, bpftrace's CPU counts
    expect(m.sample()!.window.bpftraceNs).toBe(0);
    bpftrace.run(100, 0, 80);
    const reading = m.sample()!;
    expect(seconds(reading.window.bpftraceNs)).toBeCloseTo(0.07, 9); // 8 ticks, one forgiven
    expect(reading.overAllowance).toBe(true);
  });

  it("does not stop a run under budget when the timer stalled for longer than a window", () => {
    const bpftrace = fakeBpftrace();
    const m = meter(bpftrace, 1, 2);
    bpftrace.run(100, 0.9);
    m.sample();
    bpftrace.run(10_000, 0.9); // the event loop was blocked for 10 s
    const reading = m.sample()!;
    expect(reading.window.spanMs).toBe(10_000);
    expect(reading.overAllowance).toBe(false);
  });

  it("explains a stop with the measured figures", () => {
    const over = runUntilOver({ budgetPercent: 1, bpfPercent: 36, forMs: 5000 })!;
    expect(describeOverAllowance(over.reading.window)).toBe(
      "stopped: spent 0.072 s of CPU in 0.2 s, over its allowance of 0.05 s (1% of a CPU over 5 s; BPF programs 0.072 s, bpftrace 0 s)",
    );
  });
});

describe("OverheadMeter: the overhead records", () => {
  it("adds the BPF programs' kernel time and bpftrace's own CPU, as % of one CPU, with per-program figures since the last record", () => {
    const bpftrace = fakeBpftrace();
    const m = meter(bpftrace, 10);
    for (let i = 0; i < 10; i++) {
      bpftrace.run(100, 3, 1);
      m.sample();
    }
    expect(m.recordDue(1000)).toBe(true);
    const record = m.record();
    expect(record).toMatchObject({ type: "overhead", windowSec: 1, bpfPercent: 3, bpftracePercent: 1, cpuPercent: 4, budgetPercent: 10, eventsPerSec: 1001 });
    expect(record.programs).toEqual([
      { id: 7, name: "sys_enter_clock", type: 5, events: 1000, nsPerEvent: 22_500 },
      { id: 8, name: null, type: 7, events: 1, nsPerEvent: 7_500_000 },
    ]);
    expect(m.recordDue(100)).toBe(false);
    bpftrace.run(1000, 3, 1);
    m.sample();
    expect(m.record().programs[0]).toMatchObject({ events: 1000, nsPerEvent: 22_500 });
  });
});

describe("parseFdinfo", () => {
  it("reads the program id, type and run statistics of a bpf-prog fd (measured on Linux 6.18)", () => {
    const text =
      "pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1039\nprog_type:\t5\nprog_jited:\t1\nprog_tag:\tc0b1a85fb75dc74b\nmemlock:\t4096\nprog_id:\t380\nrun_time_ns:\t123456\nrun_cnt:\t42\nrecursion_misses:\t0\nverified_insns:\t21\n";
    expect(parseFdinfo(text)).toEqual({ id: 380, type: 5, runTimeNs: 123456, runCnt: 42 });
    expect(parseFdinfo("pos:\t0\nflags:\t02\n")).toBeNull();
  });
});
