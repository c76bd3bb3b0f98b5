import fs from "node:fs";
import { execFileSync } from "node:child_process";

// Reading a process's CPU time and its BPF programs from /proc. Small
// synchronous reads of virtual files: a few microseconds each.

/** What /proc/<pid>/stat says about CPU time and identity (proc(5)). */
export type ProcStat = {
  comm: string;
  state: string;
  /** User and system CPU in clock ticks (fields 14 and 15). */
  utime: number;
  stime: number;
  /** Start time after boot, in clock ticks (field 22): with the pid, identifies one process. */
  startTime: number;
};

export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
}

export function parseProcStat(text: string): ProcStat | null {
  // comm is in parentheses and may itself contain ") ", so split at the last one.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < 0) return null;
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  return {
    comm: text.slice(open + 1, close),
    state: fields[0] ?? "?",
    utime: Number(fields[11]),
    stime: Number(fields[12]),
    startTime: Number(fields[19]),
  };
}

/** One BPF program a process holds, as its fdinfo reports it (kernel 5.1+ with kernel.bpf_stats_enabled). */
export type BpfProgramInfo = { id: number; type: number; runTimeNs: number; runCnt: number };

/**
 * The BPF programs a process holds open: fds whose link is `anon_inode:bpf-prog`,
 * with `prog_id`, `prog_type`, `run_time_ns` and `run_cnt` from /proc/<pid>/fdinfo/<fd>.
 * The same program held by two fds counts once.
 */
export function readBpfPrograms(pid: number): BpfProgramInfo[] {
  return readBpfProgramFds(pid, findBpfProgramFds(pid));
}

/** The fds of a process that hold BPF programs (bpftrace loads all of them before it attaches). */
export function findBpfProgramFds(pid: number): string[] {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  return fds.filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === "anon_inode:bpf-prog";
    } catch {
      return false;
    }
  });
}

export function readBpfProgramFds(pid: number, fds: readonly string[]): BpfProgramInfo[] {
  const programs = new Map<number, BpfProgramInfo>();
  for (const fd of fds) {
    let info: string;
    try {
      info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8");
    } catch {
      continue;
    }
    const program = parseFdinfo(info);
    if (program) programs.set(program.id, program);
  }
  return [...programs.values()];
}

const FDINFO_FIELDS = {
  id: /^prog_id:\s*(\d+)$/m,
  type: /^prog_type:\s*(\d+)$/m,
  runTimeNs: /^run_time_ns:\s*(\d+)$/m,
  runCnt: /^run_cnt:\s*(\d+)$/m,
};

export function parseFdinfo(text: string): BpfProgramInfo | null {
  const field = (pattern: RegExp): number | null => {
    const match = pattern.exec(text);
    return match ? Number(match[1]) : null;
  };
  const id = field(FDINFO_FIELDS.id);
  if (id === null) return null;
  return { id, type: field(FDINFO_FIELDS.type) ?? 0, runTimeNs: field(FDINFO_FIELDS.runTimeNs) ?? 0, runCnt: field(FDINFO_FIELDS.runCnt) ?? 0 };
}

/**
 * Reads one process's CPU time and its BPF programs' counters again and
 * again, as the overhead meter does ten times a second. The /proc files stay
 * open and each read is one pread from offset 0 (the kernel generates these
 * seq_file contents afresh on every read from the start): about a third of
 * opening, reading and closing each file every time. A file opened for a
 * process reads as an error once that process is gone, never as another
 * process that got its pid.
 */
export class ProcReader {
  private statFd: number | null | undefined;
  private readonly fdinfo = new Map<string, number | null>();
  private readonly buffer = Buffer.alloc(4096);

  constructor(readonly pid: number) {}

  stat(): ProcStat | null {
    this.statFd ??= this.open(`/proc/${this.pid}/stat`);
    const text = this.read(this.statFd);
    return text === null ? null : parseProcStat(text);
  }

  /** The programs behind these bpf-prog fds of the process (findBpfProgramFds); the same program held twice counts once. */
  programs(fds: readonly string[]): BpfProgramInfo[] {
    const programs = new Map<number, BpfProgramInfo>();
    for (const fd of fds) {
      let held = this.fdinfo.get(fd);
      if (held === undefined) {
        held = this.open(`/proc/${this.pid}/fdinfo/${fd}`);
        this.fdinfo.set(fd, held);
      }
      const text = this.read(held);
      const program = text === null ? null : parseFdinfo(text);
      if (program) programs.set(program.id, program);
    }
    return [...programs.values()];
  }

  dispose(): void {
    for (const fd of [this.statFd, ...this.fdinfo.values()]) {
      if (typeof fd === "number") fs.closeSync(fd);
    }
    this.statFd = null;
    this.fdinfo.clear();
  }

  private open(file: string): number | null {
    try {
      return fs.openSync(file, "r");
    } catch {
      return null;
    }
  }

  private read(fd: number | null): string | null {
    if (fd === null) return null;
    try {
      const bytes = fs.readSync(fd, this.buffer, 0, this.buffer.length, 0);
      return this.buffer.toString("latin1", 0, bytes);
    } catch {
      return null;
    }
  }
}

let ticks: number | undefined;
/** Clock ticks per second for /proc/<pid>/stat times (sysconf(_SC_CLK_TCK); 100 on every Linux we know). */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 2000 }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Live processes whose comm is `comm`, with their environment (root reads every /proc/<pid>/environ). */
export function processesNamed(comm: string): { pid: number; environ: string[] }[] {
  const found: { pid: number; environ: string[] }[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== comm) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      found.push({ pid: Number(entry), environ });
    } catch {
      // gone while we looked, or not ours to read
    }
  }
  return found;
}
