import "server-only";
import cluster from "node:cluster";
import { logError, logInfo } from "@/lib/server/log.ts";

/**
 * WORKBENCH_PROCESSES > 1: this process becomes the primary of a Node
 * cluster, forks that many server processes that share its port (the kernel
 * hands each new connection to one of them), replaces one that dies, and
 * passes SIGINT/SIGTERM on. The processes share sockets' rooms and frames
 * through Redis (WORKBENCH_REDIS_URL). Agents and browsers speak WebSocket
 * only, so a connection stays on the process that accepted it: nothing needs
 * sticky sessions.
 */
export function runClusterPrimary(processes: number): void {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < processes; i++) fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logError("a server process died; starting another", new Error(`process ${worker.process.pid} exited (${signal ?? code})`));
    // Its agents and viewers reconnect to the others meanwhile; nothing they sent unacknowledged is lost.
    setTimeout(fork, 1000).unref();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logInfo("stopping server processes", { signal });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  logInfo("workbench cluster", { processes });
}

export const isClusterPrimary = () => cluster.isPrimary;
