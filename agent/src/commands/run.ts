import { Agent } from "../agent.ts";
import { resolveRunConfig, type RunFlag } from "../config.ts";
import { AGENT_EXIT_CODES } from "../errors.ts";
import { collectHostFacts, collectProbeCatalog } from "../host-facts.ts";
import { agentLog } from "../log.ts";
import { loadTrustedKeys } from "../trust.ts";

/** `workbench-agent run`: the daemon, until SIGINT or SIGTERM (or until the server revokes its credential). */
export async function runCommand(flags: Partial<Record<RunFlag, string | string[]>>): Promise<number> {
  const config = resolveRunConfig(flags, process.env);
  const installedKeys = loadTrustedKeys(config.publicKeyFiles, { requireRootOwned: true });
  const catalog = await collectProbeCatalog(config.bpftracePath);
  const hostFacts = await collectHostFacts(config.bpftracePath, catalog);
  let revoked: string | undefined;
  let stop: (why: string) => void = () => {};
  const agent = new Agent(config, {
    installedKeys,
    hostFacts,
    catalog,
    now: Date.now,
    log: agentLog,
    onCredentialRevoked: (message) => {
      revoked = message;
      stop("credential revoked");
    },
  });
  agentLog("agent starting", {
    host: config.hostName,
    server: config.serverUrl,
    bpftrace: hostFacts.bpftraceVersion,
    tracepoints: catalog.probes.length,
    trustedKeyIds: agent.trustedKeyIds,
    stateDir: config.stateDir,
  });

  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      agentLog("agent stopping", { why });
      // Past the grace period plus delivery time, exit anyway: bpftrace dies with us (parent-death signal).
      setTimeout(() => process.exit(1), config.stopGraceMs + 10_000).unref();
      agent.shutdown().then(resolve, resolve);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  await agent.start();
  await stopped;
  if (revoked !== undefined) {
    process.stderr.write(`workbench-agent: the server revoked this host's credential (${revoked}); re-enroll the host to run programs again\n`);
    return AGENT_EXIT_CODES.CONFIG;
  }
  return 0;
}
