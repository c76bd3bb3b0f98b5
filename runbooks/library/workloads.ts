// Small real workloads that make the starter library's tracepoints fire, for
// its integration test: sleeps, direct disk writes, a memory-limited cgroup,
// a process that keeps faulting pages in, and TCP SYNs nobody answers.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { sleep } from "./bpftrace-session.ts";

/** Runs a command to its end; rejects with its stderr if it fails. */
export function runCommand(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr}`))));
  });
}

/** `count` sleeps of 50 ms, each its own `sleep` process (comm "sleep"). */
export function sleepLoop(count: number): Promise<void> {
  return runCommand("sh", ["-c", `i=0; while [ $i -lt ${count} ]; do sleep 0.05; i=$((i+1)); done`]);
}

/** Writes 4 MiB with O_DIRECT, so every 64 KiB goes to the block device (the page cache would absorb buffered writes). */
export async function directWrites(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-block-"));
  try {
    await runCommand("dd", ["if=/dev/zero", `of=${path.join(dir, "data")}`, "bs=64k", "count=64", "oflag=direct"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const CGROUP_V1_MEMORY = "/sys/fs/cgroup/memory";
const CGROUP_V2 = "/sys/fs/cgroup";

/**
 * Writes 128 MiB of page cache from a process in a fresh cgroup capped at
 * 32 MiB, so the kernel reclaims that cgroup's memory in the writer's own
 * context (the memcg reclaim tracepoints). The host's other memory is not
 * touched: only the cgroup is short. cgroup v1 (memory controller) or v2.
 * Each write is synchronous (oflag=dsync), so what fills the cgroup is clean
 * cache the kernel can reclaim at once. With buffered writes the dirty pages
 * could not always be reclaimed in time, and the cgroup's OOM killer now and
 * then killed dd (seen here in the kernel log: "Memory cgroup out of memory:
 * Killed process … (dd)").
 */
export async function cgroupMemoryPressure(): Promise<void> {
  const v1 = fs.existsSync(path.join(CGROUP_V1_MEMORY, "memory.limit_in_bytes"));
  const v2 = !v1 && fs.existsSync(path.join(CGROUP_V2, "cgroup.controllers")) && fs.readFileSync(path.join(CGROUP_V2, "cgroup.controllers"), "utf8").includes("memory");
  if (!v1 && !v2) throw new Error("this host offers no memory cgroup (neither v1 at /sys/fs/cgroup/memory nor v2 with the memory controller)");
  const group = path.join(v1 ? CGROUP_V1_MEMORY : CGROUP_V2, `runbook-reclaim-${process.pid}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-reclaim-"));
  fs.mkdirSync(group);
  try {
    fs.writeFileSync(path.join(group, v1 ? "memory.limit_in_bytes" : "memory.max"), String(32 * 1024 * 1024));
    // The shell puts itself into the cgroup, then becomes dd: every page dd writes is charged there.
    await runCommand("sh", ["-c", `echo $$ > ${group}/cgroup.procs && exec dd if=/dev/zero of=${dir}/data bs=1M count=128 oflag=dsync`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    // Empty now (dd has exited); the page cache it left is uncharged when the group goes.
    fs.rmdirSync(group);
  }
}

/** A node process that allocates and zero-fills 8 MiB buffers until killed: a steady stream of user page faults. */
export function startFaultingProcess(): ChildProcess {
  return spawn(process.execPath, ["-e", "setInterval(() => Buffer.alloc(8 * 1024 * 1024, 1), 20)"], { stdio: "ignore" });
}

/**
 * Makes this host retransmit SYNs to 127.0.0.1: a listener with the smallest
 * backlog gets more connection attempts in one tick than its accept queue
 * holds; the kernel drops the rest of the SYNs silently, and the connecting
 * sockets resend them after a second. Resolves with the listener's port once
 * the first resends are due.
 */
export async function unansweredSyns(): Promise<number> {
  const server = net.createServer({ pauseOnConnect: true }, (socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  const clients = Array.from({ length: 8 }, () => net.connect(port, "127.0.0.1").on("error", () => {}));
  try {
    await sleep(1600);
  } finally {
    for (const client of clients) client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return port;
}
