import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

// One bpftrace child. It is started through `setpriv --pdeathsig KILL`, so the
// kernel kills it if the agent dies for any reason (even SIGKILL); its BPF
// programs and probes are released when its file descriptors close. It runs
// in its own process group so a Ctrl-C at the agent's terminal reaches the
// agent, which then stops its runs in order.

export type BpftraceExit = {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the agent had to SIGKILL it after SIGINT's grace period. */
  killed: boolean;
  /** Last lines bpftrace wrote on stderr (its error messages), without known noise. */
  stderr: string;
};

export type BpftraceStartOptions = {
  bpftracePath: string;
  setprivPath: string;
  program: string;
  /** Extra arguments before `-e` (a dry run's flag); never `--unsafe`. */
  extraArgs?: string[];
  /**
   * A runbook launch's checked values, bpftrace's $1, $2, ...: after `--`, so none is ever read
   * as an option (`-o file` would be one), each one argv element, never part of the program text.
   */
  positionalArgs?: string[];
  /** The complete environment of the child: nothing of the agent's own (credentials!) leaks into it. */
  env: Record<string, string>;
  onStdout(chunk: Buffer): void;
};

const STDERR_KEEP_BYTES = 8 * 1024;
// bpftrace 0.17 prints this on every start when it cannot raise the locked-memory limit; kernels with
// memcg-based BPF accounting (5.11+) do not need it. It is not an error of the program.
const STDERR_NOISE = /couldn't set RLIMIT_MEMLOCK/;

/** bpftrace's argv (after setpriv): the program as one element, then `--` and the positional parameters, if any. */
export function bpftraceArgv(bpftracePath: string, program: string, extraArgs: readonly string[], positionalArgs: readonly string[]): string[] {
  const argv = [bpftracePath, "-f", "json", ...extraArgs, "-e", program];
  return positionalArgs.length > 0 ? [...argv, "--", ...positionalArgs] : argv;
}

export class BpftraceProcess {
  readonly exited: Promise<BpftraceExit>;
  private killed = false;
  private interrupted = false;
  private stderrTail = "";

  private constructor(private readonly child: ChildProcessByStdio<null, Readable, Readable>) {
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_KEEP_BYTES);
    });
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => resolve({ code, signal, killed: this.killed, stderr: this.cleanStderr() }));
      // Spawning itself failed (setpriv or bpftrace missing): report it as bpftrace's error.
      child.on("error", (error) => {
        this.stderrTail += `\ncannot start bpftrace: ${error.message}`;
        resolve({ code: null, signal: null, killed: false, stderr: this.cleanStderr() });
      });
    });
  }

  static start(options: BpftraceStartOptions): BpftraceProcess {
    // Never --unsafe: bpftrace then refuses system(), signal() and the other helpers that change the host.
    const extra = options.extraArgs ?? [];
    if (extra.includes("--unsafe")) throw new Error("refusing to run bpftrace with --unsafe");
    const child = spawn(options.setprivPath, ["--pdeathsig", "KILL", "--", ...bpftraceArgv(options.bpftracePath, options.program, extra, options.positionalArgs ?? [])], {
      env: options.env as NodeJS.ProcessEnv,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const process = new BpftraceProcess(child);
    child.stdout.on("data", options.onStdout);
    return process;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get sigintSent(): boolean {
    return this.interrupted;
  }

  /** SIGINT (bpftrace prints its maps and exits), then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs: number): Promise<BpftraceExit> {
    if (this.running) {
      this.interrupted = true;
      this.child.kill("SIGINT");
    }
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (!this.running) return;
    this.killed = true;
    this.child.kill("SIGKILL");
  }

  private cleanStderr(): string {
    return this.stderrTail
      .split("\n")
      .filter((line) => line.trim() !== "" && !STDERR_NOISE.test(line))
      .join("\n")
      .trim();
  }
}
