import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { DryRunRequest, DryRunResult } from "@/lib/protocol/agent-events.ts";
import type { LintPolicy } from "@/lib/shared/policy/policy.ts";
import { lintProgram } from "@/lib/shared/policy/lint-program.ts";
import { BpftraceProcess } from "./bpftrace-process.ts";
import { canListProgramProbes, dryRunArguments, type BpftraceVersion } from "./bpftrace-version.ts";

const run = promisify(execFile);

export type DryRunOptions = {
  bpftracePath: string;
  setprivPath: string;
  version: BpftraceVersion | null;
  policy: Partial<LintPolicy>;
  catalog(): readonly string[] | undefined;
  env: Record<string, string>;
  timeoutMs: number;
  now(): number;
};

const MAX_LISTED_PROBES = 10_000;
/** bpftrace -d prints the AST and the LLVM IR: read what the probe list needs, discard the rest. */
const MAX_DRY_RUN_OUTPUT = 1024 * 1024;

/**
 * Compiles a program the way a run would, without loading or attaching
 * anything (bpftrace's dry run; checked with `bpftool prog show` in the
 * tests), and lists the probes it would attach. The agent's policy decides
 * first: a program it would refuse to run is not compiled either, since
 * compiling already reads headers as root. Elevated probe types are the
 * exception (unless the host's own policy forbids them outright): a dry run
 * attaches nothing, and the security reviewer who must approve such a program
 * is exactly who needs to see what it would attach to.
 */
export async function dryRunProgram(request: DryRunRequest, options: DryRunOptions): Promise<DryRunResult> {
  const startedAt = options.now();
  const base = { bpftraceVersion: options.version?.text ?? null };
  const elapsed = () => Math.max(0, Math.round(options.now() - startedAt));
  const policy = options.policy.allowElevatedProbeTypes === false ? options.policy : { ...options.policy, allowElevatedProbeTypes: true };
  const lint = lintProgram(request.source, policy, options.catalog());
  const findings = lint.findings.slice(0, 200).map(({ code, severity, message, line, column }) => ({ code, severity, message: message.slice(0, 1000), line, column }));
  if (lint.blocked) {
    return { ...base, outcome: "refused", probes: [], probeCount: 0, message: "this host's policy forbids the program", findings, elapsedMs: elapsed() };
  }

  let stdout = "";
  const child = BpftraceProcess.start({
    bpftracePath: options.bpftracePath,
    setprivPath: options.setprivPath,
    program: request.source,
    extraArgs: dryRunArguments(options.version),
    env: options.env,
    onStdout: (chunk) => {
      if (stdout.length < MAX_DRY_RUN_OUTPUT) stdout += chunk.toString("utf8");
    },
  });
  const timer = setTimeout(() => child.kill(), options.timeoutMs);
  const exit = await child.exited.finally(() => clearTimeout(timer));
  if (exit.killed) {
    return {
      ...base,
      outcome: "failed",
      probes: [],
      probeCount: 0,
      message: `bpftrace did not finish compiling within ${options.timeoutMs / 1000} s`,
      findings,
      elapsedMs: elapsed(),
    };
  }
  if (exit.code !== 0) {
    const message = exit.stderr || (exit.signal ? `bpftrace was killed by ${exit.signal}` : `bpftrace exited with status ${exit.code}`);
    return { ...base, outcome: "failed", probes: [], probeCount: 0, message: message.slice(0, 8000), findings, elapsedMs: elapsed() };
  }
  const probes = canListProgramProbes(options.version) ? await listLines(options, ["-l", "-e", request.source]) : await expandWildcards(options, probesFromAst(stdout));
  return { ...base, outcome: "ok", probes: probes.slice(0, MAX_LISTED_PROBES), probeCount: probes.length, message: null, findings, elapsedMs: elapsed() };
}

/**
 * The attach points of `bpftrace -d` output (0.17 to 0.21): the lines one
 * level under "Program" in the first AST dump ("AST after: parser"), as
 * bpftrace read them, wildcards unexpanded.
 */
export function probesFromAst(output: string): string[] {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => line === "Program");
  if (start < 0) return [];
  const probes: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    if (/^ \S/.test(line)) probes.push(line.trim());
  }
  return probes;
}

async function expandWildcards(options: DryRunOptions, specs: string[]): Promise<string[]> {
  const probes: string[] = [];
  for (const spec of specs) {
    if (!/[*?]/.test(spec)) probes.push(spec);
    else probes.push(...(await listLines(options, ["-l", spec])));
    if (probes.length > MAX_LISTED_PROBES) break;
  }
  return probes;
}

async function listLines(options: DryRunOptions, args: string[]): Promise<string[]> {
  try {
    const { stdout } = await run(options.bpftracePath, args, {
      timeout: options.timeoutMs,
      maxBuffer: 8 * 1024 * 1024,
      env: options.env as NodeJS.ProcessEnv,
      killSignal: "SIGKILL",
    });
    return stdout
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
  } catch {
    return [];
  }
}
