// Never leave bpftrace behind: the real agent killed with SIGKILL mid-run,
// real bpftrace, and the kernel's own list of loaded BPF programs (bpftool).
// Needs root, bpftrace and bpftool.
import fs from "node:fs";
import path from "node:path";
import { execFileSync, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesWithArgument, waitFor } from "@/test/processes.ts";
import { agentLogLines } from "@/test/agent-process.ts";
import { SLEEP_LATENCY, agentConnected, approve, endedRun, marked, sleepWorkload, startScenario, startScenarioAgent, stopScenario, type Scenario } from "@/test/agent-scenario.ts";
import { readBpfPrograms } from "./proc.ts";

const BPF_STATS = "/proc/sys/kernel/bpf_stats_enabled";
let s: Scenario;
let statsBefore: string;

beforeAll(async () => {
  statsBefore = fs.readFileSync(BPF_STATS, "utf8").trim();
  s = await startScenario();
});

afterAll(async () => {
  await stopScenario(s);
});

function loadedProgramIds(): Set<number> {
  const programs = JSON.parse(execFileSync("bpftool", ["prog", "show", "--json"], { encoding: "utf8" })) as { id: number }[];
  return new Set(programs.map((program) => program.id));
}

describe("never leave bpftrace behind", () => {
  it("when the agent is killed with SIGKILL mid-run, within 2 s no bpftrace of it remains and none of its BPF programs are loaded", async () => {
    const workload = sleepWorkload(30);
    try {
      const { marker, source } = marked(SLEEP_LATENCY);
      const runId = await approve(s, source, 120);
      const [bpftrace] = await waitFor(
        "bpftrace to start",
        () => {
          const found = processesWithArgument(marker).filter((p) => p.cmdline.startsWith("bpftrace") || p.cmdline.includes("/bpftrace "));
          return found.length > 0 ? found : null;
        },
        15_000,
      );
      const programIds = await waitFor(
        "its BPF programs to load",
        () => {
          const ids = readBpfPrograms(bpftrace!.pid).map((program) => program.id);
          return ids.length >= 3 ? ids : null;
        },
        15_000,
      );
      expect([...programIds].every((id) => loadedProgramIds().has(id))).toBe(true);

      s.agent.child.kill("SIGKILL");
      await waitFor("bpftrace and its BPF programs to be gone", () => processesWithArgument(marker).length === 0 && programIds.every((id) => !loadedProgramIds().has(id)), 2000);
      await s.agent.exited;

      // The next agent tells the server how the run ended, and turns kernel statistics back off.
      const restartedAt = new Date();
      s.agent = startScenarioAgent(s, [], s.agent.dir);
      await agentConnected(s, restartedAt);
      const run = await endedRun(s, runId, 15_000);
      expect(run.endReason).toBe("AGENT_LOST");
      await waitFor("kernel.bpf_stats_enabled to be restored", () => fs.readFileSync(BPF_STATS, "utf8").trim() === statsBefore, 10_000);
    } finally {
      workload.kill();
    }
  });

  it("on start, ends bpftrace processes an earlier run of the agent left alive", async () => {
    const { instanceId } = JSON.parse(fs.readFileSync(path.join(s.agent.stateDir, "agent.json"), "utf8")) as { instanceId: string };
    await s.agent.stop();
    // A bpftrace that escaped its parent-death signal: started with the agent's marker, but no agent watches it.
    const { marker, source } = marked('interval:s:1 { printf("tick\\n"); }');
    const orphan = spawn("bpftrace", ["-e", source], {
      env: { PATH: process.env.PATH, WORKBENCH_AGENT_INSTANCE: instanceId } as unknown as NodeJS.ProcessEnv,
      stdio: "ignore",
      detached: true,
    });
    try {
      await waitFor("the orphan to run", () => processesWithArgument(marker).length > 0, 10_000);
      const restartedAt = new Date();
      s.agent = startScenarioAgent(s, [], s.agent.dir);
      await agentConnected(s, restartedAt);
      await waitFor("the orphan to be ended", () => processesWithArgument(marker).length === 0, 10_000);
      expect(agentLogLines(s.agent.output(), "ending bpftrace processes left by an earlier run of this agent")[0]).toMatchObject({ pids: [orphan.pid] });
    } finally {
      orphan.kill("SIGKILL");
    }
  });
});
