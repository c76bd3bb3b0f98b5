import type { RunLimits } from "@/lib/protocol/run-order-limits.ts";

// What differs between the bpftrace versions hosts run (0.17 on Debian 12 to
// 0.27): the environment variable names of its resource caps and the dry-run
// flag. Facts from bpftrace's own sources, cited where used.

export type BpftraceVersion = { major: number; minor: number; patch: number; text: string };

/** "bpftrace v0.17.0", "v0.23.2", "0.24.0-rc1" -> 0.17.0; null if it is not a version. */
export function parseBpftraceVersion(text: string | null): BpftraceVersion | null {
  const match = text ? /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text) : null;
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), text: text!.trim() };
}

function atLeast(version: BpftraceVersion | null, major: number, minor: number): boolean {
  if (!version) return false;
  return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * The signed resource caps as bpftrace's environment. bpftrace 0.20 renamed
 * them ("Standardize config and env var names", bpftrace#2815: BPFTRACE_MAP_KEYS_MAX
 * became BPFTRACE_MAX_MAP_KEYS and BPFTRACE_STRLEN became BPFTRACE_MAX_STRLEN),
 * kept the old names with a deprecation warning (src/main.cpp, parse_env) and
 * stopped reading them in 0.24; BPFTRACE_MAX_PROBES and BPFTRACE_MAX_BPF_PROGS
 * kept their names. An unknown version gets the new names: the old ones stop
 * working on new releases, while a new name on an old release is only ignored.
 */
export function limitEnvironment(version: BpftraceVersion | null, limits: Pick<RunLimits, "maxMapKeys" | "maxStrlen" | "maxProbes" | "maxBpfProgs">): Record<string, string> {
  const renamed = !version || atLeast(version, 0, 20);
  // Up to 0.20 strings live on the 512-byte BPF stack and bpftrace refuses a length above 200
  // ("'BPFTRACE_STRLEN' 300 exceeds the current maximum of 200 bytes", measured on 0.17); 0.21 lifted
  // the limit ("Remove length limitations for strings coming out of str()", bpftrace#3228).
  const strlen = atLeast(version, 0, 21) || !version ? limits.maxStrlen : Math.min(limits.maxStrlen, 200);
  return {
    [renamed ? "BPFTRACE_MAX_MAP_KEYS" : "BPFTRACE_MAP_KEYS_MAX"]: String(limits.maxMapKeys),
    [renamed ? "BPFTRACE_MAX_STRLEN" : "BPFTRACE_STRLEN"]: String(strlen),
    BPFTRACE_MAX_PROBES: String(limits.maxProbes),
    BPFTRACE_MAX_BPF_PROGS: String(limits.maxBpfProgs),
  };
}

/**
 * Arguments that compile a program without loading or attaching it. Up to
 * 0.21 `-d` is "(dry run) debug info" (`bpftrace --help` of 0.17); 0.22 gave
 * `-d` a mandatory stage argument and added `--dry-run` (CHANGELOG 0.22.0,
 * bpftrace#3203).
 */
export function dryRunArguments(version: BpftraceVersion | null): string[] {
  return atLeast(version, 0, 22) ? ["--dry-run"] : ["-d"];
}

/** `bpftrace -l -e PROGRAM` lists the probes a program attaches to from 0.21 (CHANGELOG 0.21.0, bpftrace#2969). */
export function canListProgramProbes(version: BpftraceVersion | null): boolean {
  return atLeast(version, 0, 21);
}
