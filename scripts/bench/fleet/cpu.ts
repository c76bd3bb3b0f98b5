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
 * The PostgreSQL processes that work for the bench: the backends connected
 * to its database (pg_stat_activity by datname: the server's pool, autovacuum
 * on its tables), and the shared background writer, WAL writer and
 * checkpointer, which do the disk work of its writes.
 */
export async function postgresPids(adminUrl: string, database: string): Promise<{ backends: number[]; background: number[] }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; background: boolean }>(
      "SELECT pid, datname IS DISTINCT FROM $1 AS background FROM pg_stat_activity WHERE datname = $1 OR backend_type IN ('background writer', 'walwriter', 'checkpointer')",
      [database],
    );
    return { backends: rows.filter((row) => !row.background).map((row) => row.pid), background: rows.filter((row) => row.background).map((row) => row.pid) };
  } finally {
    await client.end();
  }
}

/** The whole machine's CPU time from /proc/stat: busy and total, in clock ticks over all cores. */
export function sampleMachineCpu(): { busy: number; total: number } {
  const fields = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  // idle and iowait (fields 4 and 5) are the time no one used.
  return { busy: total - fields[3]! - fields[4]!, total };
}
