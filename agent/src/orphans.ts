import { processesNamed } from "./proc.ts";

/** In every bpftrace's environment: which agent (state directory) started it. */
export const AGENT_MARKER_VARIABLE = "WORKBENCH_AGENT_INSTANCE";

/**
 * bpftrace processes an earlier life of this agent started and that are still
 * alive. The parent-death signal kills them when the agent dies, but a
 * process can slip through (the agent killed between fork and the prctl, or
 * started by an older agent without it). They are found by the marker in
 * their environment, which survives even if the agent's state files do not.
 */
export function findOrphans(instanceId: string, ownPids: ReadonlySet<number> = new Set()): number[] {
  const marker = `${AGENT_MARKER_VARIABLE}=${instanceId}`;
  return processesNamed("bpftrace")
    .filter((process) => process.environ.includes(marker) && !ownPids.has(process.pid))
    .map((process) => process.pid);
}

/** SIGKILL each (their output has no reader any more), then wait until they are gone. */
export async function endOrphans(instanceId: string, log: (message: string, fields?: Record<string, unknown>) => void, timeoutMs = 5000): Promise<number[]> {
  const pids = findOrphans(instanceId);
  if (pids.length === 0) return [];
  log("ending bpftrace processes left by an earlier run of this agent", { pids });
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && findOrphans(instanceId).length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const left = findOrphans(instanceId);
  if (left.length > 0) log("some leftover bpftrace processes did not end", { pids: left });
  return pids;
}
