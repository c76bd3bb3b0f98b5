// Runs one program with the real bpftrace the way the agent does (`-f json
// -e PROGRAM`, then the runbook's values as positional parameters), starts a
// workload once bpftrace has attached, and reads what it printed with the
// workbench's own output parser. For the starter library's integration test.
import { spawn } from "node:child_process";
import { OutputParser, type ParsedLine } from "@/lib/shared/bpftrace/parse-output.ts";
import type { HistRecord, MapRecord, OutputRecord } from "@/lib/shared/bpftrace/records.ts";

export type Session = {
  /** Records printed while the program ran, before it was asked to stop: what a live view shows. */
  live: OutputRecord[];
  /** Records printed after SIGINT (bpftrace prints every map that is left). */
  atExit: OutputRecord[];
  /** The probe count of bpftrace's "attached_probes" record. */
  attachedProbes: number;
  exitCode: number | null;
  stderr: string;
};

// The agent runs bpftrace with nothing of its own environment either.
const ENV: Record<string, string> = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };
// bpftrace 0.17 prints this on every start where it cannot raise the locked-memory limit (see agent/src/bpftrace-process.ts).
const STDERR_NOISE = /couldn't set RLIMIT_MEMLOCK/;
const ATTACH_TIMEOUT_MS = 45_000;
// How long a fixed settle waits on for a first print after the workload (a loaded machine prints late).
const LATE_PRINT_MS = 10_000;

/** bpftrace's argv for a program and its positional values; `--` keeps a value such as "-x" from being read as an option. */
export function bpftraceArgs(source: string, values: readonly string[]): string[] {
  return ["-f", "json", "-e", source, "--", ...values];
}

/**
 * How long the program prints after the workload: a fixed time, or until what
 * it printed live shows what the test waits for (or `timeoutMs` passes). The
 * second suits counts that must be complete: on a loaded machine the print
 * that follows the workload's last event can reach us later than any fixed time.
 */
export type Settle = number | { until: (live: readonly OutputRecord[]) => boolean; timeoutMs: number };

/**
 * Starts bpftrace, waits until it has attached, runs `workload`, lets the
 * program print as `settle` says (its interval prints once a second), then
 * stops it with SIGINT as the agent does.
 */
export async function runProgram(source: string, values: readonly string[], workload: () => Promise<void>, settle: Settle = 1500): Promise<Session> {
  const child = spawn("bpftrace", bpftraceArgs(source, values), { env: ENV as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  const parser = new OutputParser();
  const live: OutputRecord[] = [];
  const atExit: OutputRecord[] = [];
  let stopping = false;
  let stderr = "";
  let attachedProbes = -1;
  let onAttached: () => void = () => {};
  const attached = new Promise<void>((resolve) => (onAttached = resolve));
  let onLive: () => void = () => {};
  const take = (lines: ParsedLine[]) => {
    for (const line of lines) {
      if (line.kind !== "record") continue;
      if (line.record.type === "attached_probes") {
        attachedProbes = Number(line.record.count);
        onAttached();
      }
      (stopping ? atExit : live).push(line.record);
    }
    if (!stopping) onLive();
  };
  const settled = async (): Promise<void> => {
    if (typeof settle === "number") {
      // The fixed time, and then, on a slow machine, until something the workload caused has been printed.
      const before = live.length;
      await sleep(settle);
      return waitUntil(() => live.length > before, LATE_PRINT_MS);
    }
    return waitUntil(() => settle.until(live), settle.timeoutMs);
  };
  const waitUntil = (until: () => boolean, timeoutMs: number): Promise<void> => {
    if (until()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      onLive = () => {
        if (!until()) return;
        clearTimeout(timer);
        resolve();
      };
    });
  };
  child.stdout.on("data", (chunk: Buffer) => take(parser.push(chunk)));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));

  const outcome = await Promise.race([attached.then(() => "attached" as const), exited.then(() => "exited" as const), sleep(ATTACH_TIMEOUT_MS).then(() => "timeout" as const)]);
  try {
    if (outcome === "attached") {
      await workload();
      await settled();
    }
  } finally {
    stopping = true;
    child.kill("SIGINT");
  }
  const exitCode = await exited;
  take(parser.end());
  const cleanStderr = stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !STDERR_NOISE.test(line))
    .join("\n");
  if (outcome !== "attached") {
    throw new Error(`bpftrace did not attach (${outcome === "timeout" ? "timed out" : `exited with ${exitCode}`}): ${cleanStderr}`);
  }
  return { live, atExit, attachedProbes, exitCode, stderr: cleanStderr };
}

export function histsNamed(records: readonly OutputRecord[], map: string): HistRecord[] {
  return records.filter((record): record is HistRecord => record.type === "hist" && record.map === map);
}

export function mapsNamed(records: readonly OutputRecord[], map: string): MapRecord[] {
  return records.filter((record): record is MapRecord => record.type === "map" && record.map === map);
}

/** The events a histogram counted, over all its keys. */
export function histTotal(record: HistRecord): number {
  return record.series.reduce((sum, series) => sum + Number(series.total), 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
