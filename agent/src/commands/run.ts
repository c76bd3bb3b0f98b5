import { Agent } from "../agent.ts";
import { resolveRunConfig, type RunFlag } from "../config.ts";
import { collectHostFacts } from "../host-facts.ts";
import { agentLog } from "../log.ts";
import { loadTrustedKeys } from "../trust.ts";

/** `workbench-agent run`: the daemon, until SIGINT or SIGTERM. */
export async function runCommand(flags: Partial<Record<RunFlag, string | string[]>>): Promise<void> {
  const config = resolveRunConfig(flags, process.env);
  const trustedKeys = loadTrustedKeys(config.publicKeyFiles);
  const hostFacts = await collectHostFacts(config.bpftracePath);
  agentLog("agent starting", {
    host: config.hostName,
    server: config.serverUrl,
    bpftrace: hostFacts.bpftraceVersion,
    trustedKeyIds: [...trustedKeys.keys()],
  });
  const agent = new Agent(config, { trustedKeys, hostFacts, now: Date.now, log: agentLog });

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      agentLog("agent stopping", { signal });
      // Past the grace period plus delivery time, exit anyway: bpftrace dies with us (parent-death signal).
      setTimeout(() => process.exit(1), config.stopGraceMs + 10_000).unref();
      agent.shutdown().then(resolve, resolve);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
}
