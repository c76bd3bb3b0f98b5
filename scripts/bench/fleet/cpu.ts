// CPU time of the processes a load involves, from /proc/<pid>/stat (utime +
// stime, proc(5)), sampled at both ends of the measured window.
import fs from "node:fs";
import pg from "pg";
import { clockTicksPerSecond, readProcStat } from "../../../agent/src/proc.ts";

type Sample = Map<number, { ticks: number; startTime: number }>;

export function sampleCpu(pids: number[]): Sample {
  const sample: Sample = new Map();
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (stat) sample.set(pid, { ticks: stat.utime + stat.stime, startTime: stat.startTime });
  }
  return sample;
}

/**
 * CPU seconds between two samples. A process present in both counts its
 * difference; one that started in between counts its whole life; one that
 * ended in between loses its last moments (its final figures are gone).
 */
export function cpuSecondsBetween(before: Sample, after: Sample): number {
  let ticks = 0;
  for (const [pid, end] of after) {
    const start = before.get(pid);
    ticks += start && start.startTime === end.startTime ? Math.max(0, end.ticks - start.ticks) : end.ticks;
  }
  return ticks / clockTicksPerSecond();
}

/** `roots` and every process below them (a server that forks helpers is measured whole). */
export function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    found.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  for (const root of roots) visit(root);
  return found;
}

/**
 * The CPU of the PostgreSQL processes that work for the bench, over a
 * window: the backends connected to its database (pg_stat_activity by
 * datname: the server's pool, autovacuum on its tables), and the shared
 * background writer, WAL writer and checkpointer, which do the disk work of
 * its writes. Polled several times a second rather than read at the window's
 * two ends, because a server that opens and closes connections has backends
 * that live for less than the window: each is counted from its first sample
 * (from zero if it appeared during the window) to its last, so only the
 * moments after its last sample are missed. Also counts the sessions opened
 * on the database (pg_stat_database.sessions), which shows that churn.
 */
export class PostgresCpuTracker {
  private readonly processes = new Map<string, { background: boolean; base: number; last: number }>();
  private polls = 0;
  private sessionsBefore = 0;
  private postmaster = 0;
  private wholeBefore: { own: number; children: Sample } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: pg.Client,
    private readonly database: string,
  ) {}

  static async start(adminUrl: string, database: string, intervalMs = 200): Promise<PostgresCpuTracker> {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    const tracker = new PostgresCpuTracker(client, database);
    // The postmaster is the parent of every backend, this connection's included.
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    tracker.postmaster = parentPid(rows[0]!.pid) ?? 0;
    tracker.wholeBefore = tracker.sampleWhole();
    tracker.sessionsBefore = await tracker.sessions();
    await tracker.poll();
    tracker.timer = setInterval(() => {
      tracker.polling = tracker.polling.then(() => tracker.poll()).catch(() => {});
    }, intervalMs);
    return tracker;
  }

  async stop(): Promise<{ backends: number; background: number; sessions: number; whole: number | null }> {
    clearInterval(this.timer);
    await this.polling;
    try {
      await this.poll();
      const wholeAfter = this.sampleWhole();
      const whole =
        this.wholeBefore && wholeAfter ? (wholeAfter.own - this.wholeBefore.own) / clockTicksPerSecond() + cpuSecondsBetween(this.wholeBefore.children, wholeAfter.children) : null;
      const sessions = (await this.sessions()) - this.sessionsBefore;
      let backends = 0;
      let background = 0;
      for (const process of this.processes.values()) {
        const ticks = Math.max(0, process.last - process.base);
        if (process.background) background += ticks;
        else backends += ticks;
      }
      return { backends: backends / clockTicksPerSecond(), background: background / clockTicksPerSecond(), sessions, whole };
    } finally {
      await this.client.end();
    }
  }

  /**
   * All of PostgreSQL, every database: the postmaster (forking backends is its
   * work), its live children, and, through its cutime/cstime, the children
   * it reaped, whole lives included: an upper bound on what the bench cost it.
   */
  private sampleWhole(): { own: number; children: Sample } | null {
    if (!this.postmaster) return null;
    const own = readCpuWithChildren(this.postmaster);
    if (own === null) return null;
    return { own, children: sampleCpu(processTree([this.postmaster]).filter((pid) => pid !== this.postmaster)) };
  }

  private async sessions(): Promise<number> {
    const { rows } = await this.client.query<{ sessions: string | null }>("SELECT sessions::text FROM pg_stat_database WHERE datname = $1", [this.database]);
    return Number(rows[0]?.sessions ?? 0);
  }

  private async poll(): Promise<void> {
    const { rows } = await this.client.query<{ pid: number; background: boolean }>(
      "SELECT pid, datname IS DISTINCT FROM $1 AS background FROM pg_stat_activity WHERE datname = $1 OR backend_type IN ('background writer', 'walwriter', 'checkpointer')",
      [this.database],
    );
    const first = this.polls === 0;
    this.polls += 1;
    for (const row of rows) {
      const stat = readProcStat(row.pid);
      if (!stat) continue;
      const ticks = stat.utime + stat.stime;
      const key = `${row.pid}:${stat.startTime}`;
      const known = this.processes.get(key);
      if (known) known.last = ticks;
      else this.processes.set(key, { background: row.background, base: first ? ticks : 0, last: ticks });
    }
  }
}

/** A process's parent, from /proc/<pid>/stat (field 4). */
function parentPid(pid: number): number | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** utime + stime + cutime + cstime (fields 14 to 17): the process and the children it has reaped. */
function readCpuWithChildren(pid: number): number | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return null;
  }
}

/** The whole machine's CPU time from /proc/stat: busy and total, in clock ticks over all cores. */
export function sampleMachineCpu(): { busy: number; total: number } {
  const fields = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  // idle and iowait (fields 4 and 5) are the time no one used.
  return { busy: total - fields[3]! - fields[4]!, total };
}
