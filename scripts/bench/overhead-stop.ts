// npm run bench:overhead-stop: how fast the agent stops a run over its CPU
// budget, what such a run takes above its allowance, and what measuring costs;
// printed, not asserted (figures vary with the machine and its load).
//
// 1. Time to stop. The agent's own run supervisor (agent/src/run-supervisor.ts,
//    the code a host runs) runs real bpftrace with the issue's probe,
//    `tracepoint:raw_syscalls:sys_enter { @c[comm] = count(); @h = hist(args->id); }`,
//    under the default budget (1% of a CPU over 5 s: an allowance of 0.05 s),
//    while `dd` copies /dev/zero to /dev/null at several block sizes: the
//    smaller the blocks, the more syscalls, the more the probe costs. For
//    each: the run's rate as the agent measured it, the time from bpftrace
//    attached to the agent's stop and to bpftrace gone, and the CPU the run
//    took from attaching to exiting beside its allowance (read by this
//    script from the programs' fdinfo every 10 ms until bpftrace exits).
// 2. Sampling cost. One sample of the overhead meter (what the supervisor
//    does every 100 ms) on a live bpftrace holding 2 and 21 BPF programs:
//    wall time and this process's CPU per sample, and that as % of a core.
//
// Needs root (bpftrace, setpriv, kernel.bpf_stats_enabled, which it turns on
// for the measurement and restores after).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { DEFAULT_RUN_LIMITS } from "@/lib/protocol/run-order-limits.ts";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import type { RunEnd } from "@/lib/protocol/agent-events.ts";
import type { Frame, OverheadRecord } from "@/lib/shared/frame.ts";
import { BpfStatsSwitch } from "../../agent/src/bpf-stats.ts";
import { findExecutable } from "../../agent/src/config.ts";
import { OverheadMeter } from "../../agent/src/overhead-meter.ts";
import { clockTicksPerSecond, findBpfProgramFds, readBpfProgramFds, readProcStat } from "../../agent/src/proc.ts";
import { RunSupervisor } from "../../agent/src/run-supervisor.ts";
import { StateDir } from "../../agent/src/state-dir.ts";

const say = (line = "") => process.stdout.write(line + "\n");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HEAVY_PROBE = "tracepoint:raw_syscalls:sys_enter { @c[comm] = count(); @h = hist(args->id); }\n";
const BLOCK_SIZES = (process.env.BENCH_BLOCK_SIZES ?? "1,65536,262144,1048576").split(",").map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3000);

const bpftracePath = findExecutable("bpftrace");
const setprivPath = findExecutable("setpriv");
const clockTicks = clockTicksPerSecond();

function order(source: string, durationSec: number): RunOrder {
  return {
    v: 1,
    runId: `bench-${Math.random().toString(16).slice(2, 10)}`,
    host: os.hostname(),
    program: { id: "bench", name: "bench", revisionId: "bench", revision: 1, contentHash: `sha256:${"0".repeat(64)}`, source },
    limits: { ...DEFAULT_RUN_LIMITS, durationSec },
    approval: { id: "bench", by: "bench", at: new Date().toISOString(), securityReview: false },
    issuedAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
  };
}

function dd(blockSize: number, seconds: number): ChildProcess {
  return spawn("timeout", [String(seconds), "dd", "if=/dev/zero", "of=/dev/null", `bs=${blockSize}`], { stdio: "ignore" });
}

type StopFigures = {
  blockSize: number;
  reason: string;
  ratePercent: number | null;
  eventsPerSec: number | null;
  stopMs: number | null;
  goneMs: number | null;
  spentSec: number;
  allowanceSec: number;
};

/** One run of the heavy probe under the default budget while dd runs at `blockSize`. */
async function timeToStop(blockSize: number): Promise<StopFigures> {
  const workload = dd(blockSize, 30);
  await sleep(300); // dd at full speed before bpftrace attaches
  const lines: { at: number; msg: string; fields: Record<string, unknown> }[] = [];
  const frames: Frame[] = [];
  let end: RunEnd | undefined;
  let endedAt: number | undefined;
  const runOrder = order(HEAVY_PROBE, 8);
  const supervisor = new RunSupervisor({
    order: runOrder,
    bpftracePath: bpftracePath!,
    setprivPath: setprivPath!,
    stopGraceMs: 5000,
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" },
    sink: {
      tryPushFrame: (frame) => (frames.push(frame), true),
      pushFrameAlways: (frame) => void frames.push(frame),
      // Written once bpftrace has exited: the moment the run's cost stopped.
      pushEnd: (report) => {
        end = report;
        endedAt = performance.now();
      },
    },
    clockTicks,
    now: Date.now,
    log: (msg, fields = {}) => lines.push({ at: performance.now(), msg, fields }),
  });
  // Beside the agent: each program's run time and bpftrace's CPU, read every 10 ms until bpftrace
  // exits (its programs' fds close as it exits: the last count read of each is kept).
  const programNs = new Map<number, number>();
  let ticksAtAttach: number | undefined;
  let ticksLast = 0;
  const watch = setInterval(() => {
    const pid = supervisor.pid;
    if (!pid || !lines.some((line) => line.msg === "bpftrace attached")) return;
    const stat = readProcStat(pid);
    if (!stat) return;
    ticksLast = stat.utime + stat.stime;
    ticksAtAttach ??= ticksLast;
    for (const program of readBpfProgramFds(pid, findBpfProgramFds(pid))) programNs.set(program.id, Math.max(programNs.get(program.id) ?? 0, program.runTimeNs));
  }, 10);
  await supervisor.done;
  clearInterval(watch);
  workload.kill();
  const spentNs = [...programNs.values()].reduce((sum, ns) => sum + ns, 0) + ((ticksLast - (ticksAtAttach ?? ticksLast)) * 1e9) / clockTicks;
  const attachedAt = lines.find((line) => line.msg === "bpftrace attached")?.at;
  const stop = lines.find((line) => line.msg === "stopping run" && line.fields.reason === "overhead-limit");
  const overhead = frames.filter((frame) => frame.record.type === "overhead").map((frame) => frame.record as OverheadRecord);
  const atStop = overhead.at(0);
  return {
    blockSize,
    reason: end?.reason ?? "?",
    ratePercent: atStop?.cpuPercent ?? null,
    eventsPerSec: atStop?.eventsPerSec ?? null,
    stopMs: stop ? (stop.fields.sinceAttachMs as number) : null,
    goneMs: attachedAt !== undefined && endedAt !== undefined ? endedAt - attachedAt : null,
    spentSec: spentNs / 1e9,
    allowanceSec: (runOrder.limits.cpuBudgetPercent / 100) * runOrder.limits.windowSec,
  };
}

/** The cost of one meter sample on a live bpftrace running `source`. */
async function samplingCost(source: string): Promise<{ programs: number; wallUs: number; cpuUs: number }> {
  const child = spawn(setprivPath!, ["--pdeathsig", "KILL", "--", bpftracePath!, "-f", "json", "-e", source], { stdio: "ignore" });
  try {
    const deadline = Date.now() + 60_000;
    while (findBpfProgramFds(child.pid!).length === 0) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error("bpftrace did not load its programs");
      await sleep(20);
    }
    await sleep(1500); // every program loaded and attached
    const now = Date.now();
    const meter = new OverheadMeter({ pid: child.pid!, budgetPercent: 100, windowSec: 5, clockTicks, attachedAt: now, countProcessFrom: now, now: Date.now });
    for (let i = 0; i < 100; i++) meter.sample(); // warm up
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < SAMPLES; i++) meter.sample();
    const wallUs = ((performance.now() - started) * 1000) / SAMPLES;
    const used = process.cpuUsage(cpu);
    meter.dispose();
    const programs = readBpfProgramFds(child.pid!, findBpfProgramFds(child.pid!)).length;
    return { programs, wallUs, cpuUs: (used.user + used.system) / SAMPLES };
  } finally {
    child.kill("SIGINT");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

/** `count` syscall tracepoints this host has, each its own BPF program, and one interval probe. */
function manyProbes(count: number): string {
  const events = fs
    .readdirSync("/sys/kernel/tracing/events/syscalls")
    .filter((name) => name.startsWith("sys_enter_"))
    .sort()
    .slice(0, count);
  return `${events.map((name) => `tracepoint:syscalls:${name} { @[probe] = count(); }`).join("\n")}\ninterval:s:1 { @ticks = count(); }\n`;
}

async function main(): Promise<void> {
  if (!bpftracePath || !setprivPath) throw new Error("needs bpftrace and setpriv in PATH");
  say(`bench:overhead-stop on ${os.hostname()}, ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, Linux ${os.release()}`);
  say();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bench-overhead-"));
  const stats = new BpfStatsSwitch(StateDir.open(stateDir), () => {});
  stats.acquire();
  try {
    say("1. Time to stop a run over its budget (1% of a CPU over 5 s: an allowance of 0.05 s of CPU)");
    say(`   probe: ${HEAVY_PROBE.trim()}`);
    say("   dd bs   syscalls/s  run's rate  ×budget  end             attach->stop  attach->gone  CPU attach->gone  above allowance");
    for (const blockSize of BLOCK_SIZES) {
      const f = await timeToStop(blockSize);
      const ratio = f.ratePercent === null ? "" : `${(f.ratePercent / DEFAULT_RUN_LIMITS.cpuBudgetPercent).toFixed(1)}×`;
      say(
        `   ${String(f.blockSize).padEnd(7)} ${String(f.eventsPerSec ?? "-").padStart(10)}  ${(f.ratePercent === null ? "-" : `${f.ratePercent.toFixed(1)}%`).padStart(10)}  ${ratio.padStart(7)}  ${f.reason.padEnd(15)} ` +
          `${(f.stopMs === null ? "-" : `${f.stopMs} ms`).padStart(12)}  ${(f.goneMs === null ? "-" : `${f.goneMs.toFixed(0)} ms`).padStart(12)}  ` +
          `${`${f.spentSec.toFixed(3)} s`.padStart(16)}  ${`${(f.spentSec - f.allowanceSec).toFixed(3)} s`.padStart(15)}`,
      );
      await sleep(500);
    }
    say("   (the run's rate and syscalls/s: the overhead record the agent streamed when it stopped the run, averaged since attaching;");
    say("    the CPU from attaching to exiting: BPF run time and bpftrace's CPU, read beside the agent every 10 ms)");
    say();
    say(`2. What one sample of the overhead meter costs (the agent samples every 100 ms; ${SAMPLES} samples, after 100 to warm up)`);
    for (const [what, source] of [
      ["the probe above", HEAVY_PROBE],
      ["20 syscall tracepoints and an interval", manyProbes(20)],
      ["100 syscall tracepoints and an interval", manyProbes(100)],
    ] as const) {
      const cost = await samplingCost(source);
      say(
        `   ${what.padEnd(40)} ${String(cost.programs).padStart(3)} programs: ${cost.wallUs.toFixed(1)} µs a sample (CPU ${cost.cpuUs.toFixed(1)} µs), ` +
          `${((cost.cpuUs / 100_000) * 100).toFixed(3)}% of a core at 10 samples a second`,
      );
    }
    say("   (the agent spaces samples out so that they never take more than 0.5% of a core: 100 ms while a sample costs up to 0.5 ms)");
    say("   (a sample: one pread of /proc/<pid>/stat and of each program's fdinfo, held open; now and then, at most every 50th, a listing of /proc/<pid>/fd for new programs)");
  } finally {
    stats.release();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:overhead-stop failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
