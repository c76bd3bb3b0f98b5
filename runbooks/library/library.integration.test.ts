// The starter library of runbooks (issue 10, item 4) against this host's real
// kernel and bpftrace: every runbook's JSON fits the contract, its program
// passes the policy lint, its tracepoints exist here, the agent's dry run
// compiles it, and run with its default values and a workload that makes the
// tracepoints fire, it attaches and prints what the workbench reads.
// Needs root, bpftrace and tracefs mounted at /sys/kernel/tracing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { lintProgram } from "@/lib/shared/policy/lint-program.ts";
import { bpftraceVersion, collectProbeCatalog } from "@/agent/src/host-facts.ts";
import { dryRunProgram } from "@/agent/src/dry-run.ts";
import { parseBpftraceVersion } from "@/agent/src/bpftrace-version.ts";
import type { OutputRecord } from "@/lib/shared/bpftrace/records.ts";
import { bpftraceArgs, histsNamed, histTotal, mapsNamed, runProgram, sleep, type Session, type Settle } from "./bpftrace-session.ts";
import { defaultValues, libraryEntrySchema, readLibrary, type LibraryEntry } from "./library-entry.ts";
import { cgroupMemoryPressure, directWrites, sleepLoop, startFaultingProcess, unansweredSyns } from "./workloads.ts";

const LIBRARY = readLibrary();
const entries = new Map<string, LibraryEntry>();
for (const file of LIBRARY) {
  const parsed = libraryEntrySchema.safeParse(file.json);
  if (parsed.success) entries.set(file.slug, parsed.data);
}
const sources = new Map(LIBRARY.map((file) => [file.slug, file.source]));
const entry = (slug: string) => {
  const found = entries.get(slug);
  if (!found) throw new Error(`runbooks/library/${slug}.json is missing or does not fit the contract`);
  return found;
};
const source = (slug: string) => sources.get(slug)!;

const PRODUCT_SCHEMA = path.resolve(import.meta.dirname, "../../lib/shared/runbook-params.ts");

let catalog: readonly string[] = [];
let bpftraceVersionText = "";
beforeAll(async () => {
  bpftraceVersionText = (await bpftraceVersion("bpftrace")) ?? "";
  catalog = (await collectProbeCatalog("bpftrace")).probes;
  if (catalog.length === 0) throw new Error("bpftrace -l lists no tracepoints: is tracefs mounted at /sys/kernel/tracing?");
});

const EXPECTED = ["block-io-latency", "page-faults-reclaim", "runq-latency", "softirq-latency", "syscall-latency", "tcp-retransmits"];

it("holds the six starter runbooks, each a .json beside its .bt", () => {
  expect(LIBRARY.map((file) => file.slug)).toEqual(EXPECTED);
});

describe.each(EXPECTED)("%s", (slug) => {
  it("fits the runbook contract, under its own file name", () => {
    const file = LIBRARY.find((f) => f.slug === slug)!;
    const parsed = libraryEntrySchema.safeParse(file.json);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.slug).toBe(slug);
  });

  // The product's own schema (lib/shared/runbook-params.ts) comes with the runbook backend's branch;
  // until that is merged this reports as skipped, never as passed.
  it.runIf(fs.existsSync(PRODUCT_SCHEMA))("fits the product's runbookLibraryEntrySchema too", async () => {
    const { runbookLibraryEntrySchema } = (await import(/* @vite-ignore */ PRODUCT_SCHEMA)) as { runbookLibraryEntrySchema: typeof libraryEntrySchema };
    const parsed = runbookLibraryEntrySchema.safeParse(LIBRARY.find((f) => f.slug === slug)!.json);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it("uses exactly its parameters as $1..$N, never in a probe name", () => {
    const used = new Set([...source(slug).matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
    const count = entry(slug).params.length;
    expect([...used].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    const probes = lintProgram(source(slug), undefined, catalog).summary.probes;
    expect(probes.filter((probe) => probe.spec.includes("$"))).toEqual([]);
  });

  it("passes the policy lint with this host's catalog: no error, no warning", () => {
    const lint = lintProgram(source(slug), undefined, catalog);
    expect(lint.findings).toEqual([]);
    expect(lint.blocked).toBe(false);
    expect(lint.summary.risk).toBe("low");
  });

  it("lists in requiredTracepoints exactly the tracepoints its program attaches", () => {
    const probes = lintProgram(source(slug)).summary.probes;
    const tracepoints = new Set(probes.filter((probe) => probe.type === "tracepoint").map((probe) => probe.spec));
    expect([...tracepoints].sort()).toEqual([...entry(slug).requiredTracepoints].sort());
  });

  it("finds every tracepoint it needs on this host", () => {
    const missing = entry(slug).requiredTracepoints.filter((tracepoint) => !catalog.includes(tracepoint));
    // Named in the failure, so a host without one says which (the product's dry run reports it too, see below).
    expect(missing, `missing on this host (${os.release()}): ${missing.join(", ")}`).toEqual([]);
  });

  it("compiles in the agent's dry run, listing its tracepoints", async () => {
    const result = await dryRun(source(slug));
    expect(result.message).toBeNull();
    expect(result.outcome).toBe("ok");
    for (const tracepoint of entry(slug).requiredTracepoints) expect(result.probes).toContain(tracepoint);
  });
});

describe("a tracepoint this host lacks", () => {
  it("fails the dry run with bpftrace's sentence naming it, and the lint warns about it", async () => {
    const program = source("tcp-retransmits").replaceAll("tcp:tcp_retransmit_skb", "tcp:tcp_retransmit_gone");
    const result = await dryRun(program);
    expect(result.outcome).toBe("failed");
    expect(result.message).toContain("tracepoint not found: tcp:tcp_retransmit_gone");
    expect(result.findings.map((finding) => finding.code)).toContain("probe-not-found");
  });
});

describe("run with their default values on real tracepoints", () => {
  it("runq-latency: attaches and prints the run-queue latency histogram every second", async () => {
    const session = await runProgram(source("runq-latency"), defaultValues(entry("runq-latency")), () => sleepLoop(10));
    expect(session.attachedProbes).toBe(5);
    const [last] = histsNamed(session.live, "@runq_usecs").slice(-1);
    expect(last && histTotal(last)).toBeGreaterThan(0);
    expect(last?.series[0]?.key).toBeNull();
  });

  // dd's 64 direct writes, as the last live print counts them on the temporary directory's device.
  // All but one must be there: even with every probe attached, bpftrace alone
  // now and then counted 63 of the 64 (1 run in 12 here; the cause is not
  // pinned down, the kernel skipping a tracepoint's BPF program while another
  // BPF program runs on that CPU would explain it).
  const WRITES_COUNTED_AT_LEAST = 64 - 1;
  const tmpDeviceTotal = (live: readonly OutputRecord[]): number => {
    const [last] = histsNamed(live, "@block_io_usecs").slice(-1);
    return Number(last?.series.find((series) => series.key?.startsWith(`${tmpDeviceMajor()},`))?.total ?? 0);
  };
  const tmpDeviceWrites = (live: readonly OutputRecord[]): number => {
    const [last] = histsNamed(live, "@block_io_by_op_usecs").slice(-1);
    const writes = last?.series.filter((series) => new RegExp(`^${tmpDeviceMajor()},\\d+,W`).test(series.key ?? "")) ?? [];
    return writes.reduce((sum, series) => sum + Number(series.total), 0);
  };

  it("block-io-latency: one histogram per device after direct writes", async () => {
    const session = await runProgram(
      source("block-io-latency"),
      defaultValues(entry("block-io-latency")),
      afterAttaching(directWrites),
      untilAtLeast(tmpDeviceTotal, WRITES_COUNTED_AT_LEAST),
    );
    expect(session.attachedProbes).toBe(4);
    expect(tmpDeviceTotal(session.live)).toBeGreaterThanOrEqual(WRITES_COUNTED_AT_LEAST);
    expect(histsNamed(session.live, "@block_io_by_op_usecs")).toEqual([]);
  });

  it("block-io-latency with device_and_operation: the direct writes show up under W", async () => {
    const session = await runProgram(source("block-io-latency"), ["device_and_operation"], afterAttaching(directWrites), untilAtLeast(tmpDeviceWrites, WRITES_COUNTED_AT_LEAST));
    expect(tmpDeviceWrites(session.live)).toBeGreaterThanOrEqual(WRITES_COUNTED_AT_LEAST);
  });

  it("syscall-latency: histograms keyed by system call number, for every process", async () => {
    const session = await runProgram(source("syscall-latency"), defaultValues(entry("syscall-latency")), () => sleepLoop(10));
    expect(session.attachedProbes).toBe(5);
    const [last] = histsNamed(session.live, "@syscall_usecs").slice(-1);
    expect(last?.series.length).toBeGreaterThan(1);
    for (const series of last?.series ?? []) expect(series.key).toMatch(/^\d+$/);
  });

  it("syscall-latency for the command name sleep: its 50 ms clock_nanosleep calls", async () => {
    const nanosleeps = (live: readonly OutputRecord[]) =>
      histsNamed(live, "@syscall_usecs")
        .at(-1)
        ?.series.find((series) => series.key === String(CLOCK_NANOSLEEP));
    const session = await runProgram(
      source("syscall-latency"),
      ["0", "sleep"],
      afterAttaching(() => sleepLoop(10)),
      untilAtLeast((live) => Number(nanosleeps(live)?.total ?? 0), 10),
    );
    const nanosleep = nanosleeps(session.live);
    expect(Number(nanosleep?.total)).toBeGreaterThanOrEqual(10);
    // Each sleep lasts 50 ms: its calls land in the log2 bucket [32768, 65535] µs.
    expect(nanosleep?.buckets.find((bucket) => bucket.min === 32768)?.count).toBeGreaterThanOrEqual(10);
  });

  it("page-faults-reclaim: cgroup reclaim histogram from a cgroup at its memory limit, and faults per command", async () => {
    const session = await runProgram(source("page-faults-reclaim"), defaultValues(entry("page-faults-reclaim")), cgroupMemoryPressure);
    expect(session.attachedProbes).toBe(7);
    const [reclaim] = histsNamed(session.live, "@cgroup_reclaim_usecs").slice(-1);
    expect(reclaim && histTotal(reclaim)).toBeGreaterThan(0);
    const [faults] = mapsNamed(session.live, "@user_page_faults").slice(-1);
    expect(faults?.entries.length).toBeGreaterThan(0);
    // Direct reclaim needs the whole host short of memory: not provoked on a machine shared with other work.
  });

  it("page-faults-reclaim for one process id: only that process's faults", async () => {
    const child = startFaultingProcess();
    try {
      await sleep(300);
      const session = await runProgram(source("page-faults-reclaim"), [String(child.pid)], () => sleep(1000));
      const [faults] = mapsNamed(session.live, "@user_page_faults").slice(-1);
      expect(faults?.entries.map((e) => e.key)).toEqual(["node"]);
      expect(Number(faults?.entries[0]?.value)).toBeGreaterThan(1000);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("softirq-latency: wait and run histograms keyed by softirq name", async () => {
    const session = await runProgram(source("softirq-latency"), defaultValues(entry("softirq-latency")), directWrites);
    expect(session.attachedProbes).toBe(6);
    const names = ["hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu"];
    for (const map of ["@softirq_wait_nsecs", "@softirq_run_nsecs"]) {
      const [last] = histsNamed(session.live, map).slice(-1);
      expect(last && histTotal(last), map).toBeGreaterThan(0);
      for (const series of last?.series ?? []) expect(names).toContain(series.key);
    }
  });

  it("softirq-latency with run: no wait histogram at all", async () => {
    const session = await runProgram(source("softirq-latency"), ["run"], directWrites);
    expect(histsNamed([...session.live, ...session.atExit], "@softirq_wait_nsecs")).toEqual([]);
    expect(histsNamed(session.live, "@softirq_run_nsecs").length).toBeGreaterThan(0);
  });

  it("tcp-retransmits: SYNs resent to a listener whose queue is full, counted by address and port", async () => {
    let port = 0;
    const session = await runProgram(source("tcp-retransmits"), defaultValues(entry("tcp-retransmits")), async () => {
      port = await unansweredSyns();
    });
    expect(session.attachedProbes).toBe(4);
    const [last] = mapsNamed(session.live, "@retransmits").slice(-1);
    const entryFor = last?.entries.find((e) => e.key === `127.0.0.1,${port}`);
    expect(Number(entryFor?.value)).toBeGreaterThanOrEqual(1);
  });
});

describe("a string value with a quote, a newline and a closing brace", () => {
  const awkward = 'a"b\n}c';

  it("reaches bpftrace as one positional parameter, exactly as given", async () => {
    const echo = 'BEGIN { printf("<%s> %d\\n", str($1), $#); exit(); }';
    // The program exits on its own after printing once.
    const session = await runProgram(echo, [awkward], async () => {}, 1000);
    expect(printed(session)).toEqual([`<${awkward}> 1\n`]);
  });

  it("leaves the runbook's program as it is: runq-latency attaches the same probes and filters on that name", async () => {
    const session = await runProgram(source("runq-latency"), ["0", awkward], () => sleepLoop(5));
    expect(session.attachedProbes).toBe(5);
    // No task has that name, so nothing is recorded: the value was compared, never run.
    expect(histsNamed([...session.live, ...session.atExit], "@runq_usecs")).toEqual([]);
    expect(session.stderr).toBe("");
  });

  it("a value starting with a dash needs the -- in front of the values, or bpftrace reads it as an option", async () => {
    const echo = 'BEGIN { printf("<%s>\\n", str($1)); exit(); }';
    const withDashes = await runProgram(echo, ["-x"], async () => {}, 1000);
    expect(printed(withDashes)).toEqual(["<-x>\n"]);
    const withoutDashes = await bpftraceExit(bpftraceArgs(echo, ["-x"]).filter((arg) => arg !== "--"));
    expect(withoutDashes.code).not.toBe(0);
    expect(withoutDashes.stderr).toContain("invalid option");
  });
});

function printed(session: Session): string[] {
  return [...session.live, ...session.atExit].flatMap((record) => (record.type === "printf" ? [record.text] : []));
}

/** x86_64 and aarch64 numbers of clock_nanosleep, which sleep(1) calls. */
const CLOCK_NANOSLEEP = os.arch() === "arm64" ? 115 : 230;

/** The major number of the device that holds the temporary directory, as block-io-latency's keys start ("254,0" is 254). */
function tmpDeviceMajor(): number {
  // Linux's userspace dev_t keeps the (low bits of the) major number in bits 8..19.
  return (fs.statSync(os.tmpdir()).dev >> 8) & 0xfff;
}

function dryRun(program: string) {
  return dryRunProgram(
    { requestId: "runbook-library-test", source: program },
    {
      bpftracePath: "bpftrace",
      setprivPath: "setpriv",
      version: parseBpftraceVersion(bpftraceVersionText),
      policy: {},
      catalog: () => catalog,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" },
      timeoutMs: 60_000,
      now: () => Date.now(),
    },
  );
}

function bpftraceExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bpftrace", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/** Printing goes on until a live print counts `least`, or 10 s pass (then the test's assertion says what was counted). */
function untilAtLeast(count: (live: readonly OutputRecord[]) => number, least: number): Settle {
  return { until: (live) => count(live) >= least, timeoutMs: 10_000 };
}

/**
 * A workload that starts a second after bpftrace's attached_probes record.
 * The record comes as bpftrace begins to attach, not when it is done: with dd
 * started at once, the block I/O program counted 37 to 62 of dd's 64 writes
 * (10 runs here); a second later, all 64 in 10 of 10.
 */
function afterAttaching(work: () => Promise<void>): () => Promise<void> {
  return async () => {
    await sleep(1000);
    await work();
  };
}
