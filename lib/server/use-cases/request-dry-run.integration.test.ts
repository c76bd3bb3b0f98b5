// Dry-run compile on a host's agent: the request, the real agent compiling
// with real bpftrace (which must neither load nor attach anything), and the
// stored answer. Needs root and bpftrace.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { requestDryRun } from "@/lib/server/use-cases/request-dry-run.ts";
import { listDryRunsFor } from "@/lib/server/use-cases/read-dry-runs.ts";
import { processesWithArgument } from "@/test/processes.ts";
import { agentConnected, startScenario, startScenarioAgent, stopScenario, type Scenario } from "@/test/agent-scenario.ts";
import { createUser, enrollTestHost } from "@/test/factories.ts";
import { AppError } from "@/lib/server/errors.ts";
import { readBpfPrograms } from "@/agent/src/proc.ts";

let s: Scenario;

beforeAll(async () => {
  s = await startScenario();
});

afterAll(async () => {
  await stopScenario(s);
});

async function revisionOf(source: string): Promise<string> {
  const { revisionId } = await createProgram(s.t.db, s.engineer, { name: "dry run", source, durationSec: 30, targetHostIds: [s.host.hostId] }, { maxDurationSec: 600 });
  return revisionId;
}

const PROBE_PROGRAM_TYPES = new Set([5, 7]);

/** Watches every process running `marker` while `work` runs: the probe programs any of them held. */
async function whileWatching<T>(marker: string, work: () => Promise<T>): Promise<{ result: T; sawProcess: boolean; loaded: number[] }> {
  const loaded = new Set<number>();
  let sawProcess = false;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const process of processesWithArgument(marker)) {
        sawProcess = true;
        // Programs of the kinds this revision's probes would load (tracepoint 5, perf_event 7 for interval).
        // bpftrace's own feature checks load throwaway programs of other kinds for microseconds at start;
        // under load the poll can catch one, and those are not the program.
        for (const program of readBpfPrograms(process.pid)) if (PROBE_PROGRAM_TYPES.has(program.type)) loaded.add(program.id);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const result = await work();
  watching = false;
  await watcher;
  return { result, sawProcess, loaded: [...loaded] };
}

describe("dry-run compile on an agent", () => {
  it("compiles exactly the revision's program without loading or attaching anything, and lists the probes with wildcards expanded", async () => {
    const marker = `wb-dry-${Date.now()}`;
    const revisionId = await revisionOf(
      `// ${marker}\ntracepoint:syscalls:sys_enter_clock_nanosleep, tracepoint:syscalls:sys_exit_clock_nano* { @[probe] = count(); }\ninterval:s:1 { print(@); }\n`,
    );
    const { result: dryRun, sawProcess, loaded } = await whileWatching(marker, () => requestDryRun(s.t.db, s.engineer, revisionId, s.host.hostId));
    expect(dryRun.status, dryRun.message ?? "").toBe("OK");
    expect(dryRun.probes).toEqual(["tracepoint:syscalls:sys_enter_clock_nanosleep", "tracepoint:syscalls:sys_exit_clock_nanosleep", "interval:s:1"]);
    expect(dryRun.probeCount).toBe(3);
    expect(dryRun.bpftraceVersion).toMatch(/0\.\d+/);
    // The outcome is that host's word, and says so: which host reported it, and when.
    expect(dryRun.reportedBy).toEqual({ hostId: s.host.hostId, hostName: s.host.hostName, at: dryRun.completedAt });
    expect(sawProcess).toBe(true);
    expect(loaded).toEqual([]);
    expect((await listDryRunsFor(s.t.db, s.reviewer, revisionId)).map((d) => d.id)).toEqual([dryRun.id]);
  });

  it("reports bpftrace's own compile error", async () => {
    const revisionId = await revisionOf("tracepoint:syscalls:sys_enter_clock_nanosleep { @x = args->no_such_field; }\n");
    const dryRun = await requestDryRun(s.t.db, s.engineer, revisionId, s.host.hostId);
    expect(dryRun.status).toBe("FAILED");
    expect(dryRun.message).toMatch(/ERROR: .*does not contain a field named 'no_such_field'/);
    expect(dryRun.message).not.toMatch(/RLIMIT_MEMLOCK/);
  });

  it("compiles a program with elevated probes (nothing attaches; a security reviewer still has to approve it)", async () => {
    const marker = `wb-dry-${Date.now()}`;
    const revisionId = await revisionOf(`// ${marker}\nuprobe:/bin/bash:readline { @ = count(); }\n`);
    const { result: dryRun, loaded } = await whileWatching(marker, () => requestDryRun(s.t.db, s.engineer, revisionId, s.host.hostId));
    // bpftrace decides (it compiles, or reports why not); the agent's policy did not refuse it.
    expect(["OK", "FAILED"]).toContain(dryRun.status);
    expect(loaded).toEqual([]);
  });

  it("refuses to compile a program the host's own policy forbids, with the findings", async () => {
    // This host's operator forbids elevated probe types outright, in a root-only policy file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-policy-"));
    const policyFile = path.join(dir, "policy.json");
    fs.writeFileSync(policyFile, JSON.stringify({ allowElevatedProbeTypes: false }), { mode: 0o600 });
    await s.agent.stop();
    const since = new Date();
    s.agent = startScenarioAgent(s, ["--policy", policyFile]);
    await agentConnected(s, since);

    const marker = `wb-dry-${Date.now()}`;
    const revisionId = await revisionOf(`// ${marker}\nuprobe:/bin/bash:readline { @ = count(); }\n`);
    const { result: dryRun, sawProcess } = await whileWatching(marker, () => requestDryRun(s.t.db, s.engineer, revisionId, s.host.hostId));
    expect(dryRun.status).toBe("REFUSED");
    expect(dryRun.findings).toContainEqual(expect.objectContaining({ code: "probe-type-elevated", severity: "error", line: 2 }));
    expect(sawProcess).toBe(false);
  });

  it("only those who write or review programs may ask; SREs and admins read the results", async () => {
    const revisionId = await revisionOf("BEGIN { exit(); }\n");
    for (const who of [s.sre, s.admin]) {
      const error = await requestDryRun(s.t.db, who, revisionId, s.host.hostId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("FORBIDDEN");
    }
    expect(await s.t.db.dryRun.count({ where: { revisionId } })).toBe(0);
    expect(await listDryRunsFor(s.t.db, s.sre, revisionId)).toEqual([]);
  });

  it("refuses a host that is not one of the revision's targets, asking nothing of it", async () => {
    const other = await enrollTestHost(s.t.db, s.admin);
    const revisionId = await revisionOf("BEGIN { exit(); }\n");
    const error = await requestDryRun(s.t.db, s.engineer, revisionId, other.hostId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("UNPROCESSABLE");
    expect((error as AppError).message).toBe(`${other.hostName} is not one of this revision's target hosts; a dry run compiles only where the revision would run.`);
    expect(await s.t.db.dryRun.count({ where: { revisionId } })).toBe(0);
  });

  it("says so when no agent of the host is connected, as no host's report", async () => {
    await s.agent.stop();
    const revisionId = await revisionOf("BEGIN { exit(); }\n");
    const securityReviewer = await createUser(s.t.db, ["SECURITY_REVIEWER"]);
    const dryRun = await requestDryRun(s.t.db, securityReviewer, revisionId, s.host.hostId);
    expect(dryRun.status).toBe("UNAVAILABLE");
    expect(dryRun.message).toBe("no agent of this host is connected");
    expect(dryRun.reportedBy).toBeNull();
  });
});
