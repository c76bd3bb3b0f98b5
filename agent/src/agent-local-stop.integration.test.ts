// The local stop switch, as an operator on the host uses it: a file beside
// the agent's configuration. Real agent process, real bpftrace, the real
// server and PostgreSQL; what the server records is read back through the
// same use cases as the Hosts page and the audit trail.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listHostsFor } from "@/lib/server/use-cases/read-hosts.ts";
import { requestDryRun } from "@/lib/server/use-cases/request-dry-run.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { agentLogLines } from "@/test/agent-process.ts";
import { processesWithArgument, waitFor } from "@/test/processes.ts";
import { SLEEP_LATENCY, agentConnected, approve, endedRun, marked, runStatus, startScenario, startScenarioAgent, stopScenario, type Scenario } from "@/test/agent-scenario.ts";

let s: Scenario;

beforeAll(async () => {
  s = await startScenario();
});

afterAll(async () => {
  fs.rmSync(s.agent.stopFile, { force: true });
  await stopScenario(s);
});

async function hostRow() {
  const host = (await listHostsFor(s.t.db, s.sre)).find((h) => h.id === s.host.hostId)!;
  return host;
}

async function auditOfHost() {
  return s.t.db.auditEvent.findMany({
    where: { targetType: "host", targetId: s.host.hostId, action: { startsWith: "host.local-stop" } },
    orderBy: { id: "asc" },
    select: { action: true, actorType: true, actorName: true, fromState: true, toState: true, reason: true },
  });
}

describe("the local stop switch", () => {
  it("stops a running run, refuses the next order and dry runs, and the server records and shows it; removing it lets the next order run", async () => {
    const running = marked(SLEEP_LATENCY);
    const runId = await approve(s, running.source, 120);
    await waitFor("bpftrace to start", () => processesWithArgument(running.marker).length > 0, 15_000);

    fs.writeFileSync(s.agent.stopFile, "disk replacement on this host (Dana)\n");
    const engagedAt = new Date(Math.floor(fs.statSync(s.agent.stopFile).mtimeMs));
    const stopped = await endedRun(s, runId, 15_000);
    expect(stopped.endReason).toBe("STOPPED");
    expect(stopped.endDetail).toBe(
      `the host's local stop switch was engaged (${s.agent.stopFile}, since ${engagedAt.toISOString()}: disk replacement on this host (Dana)); bpftrace exited on SIGINT`,
    );
    expect(processesWithArgument(running.marker)).toEqual([]);

    // The server has the state, as the Hosts page shows it, and the audit trail has who engaged it.
    await waitFor("the server to record the switch", async () => (await hostRow()).localStop);
    expect((await hostRow()).localStop).toEqual({ since: engagedAt, reason: "disk replacement on this host (Dana)" });
    expect(await auditOfHost()).toEqual([
      {
        action: "host.local-stop.engage",
        actorType: "host",
        actorName: s.host.hostName,
        fromState: "ACTIVE",
        toState: "STOPPED_LOCALLY",
        reason: "disk replacement on this host (Dana)",
      },
    ]);

    const refused = marked(SLEEP_LATENCY);
    const refusedId = await approve(s, refused.source, 30);
    const refusal = await endedRun(s, refusedId, 15_000);
    expect(refusal.endReason).toBe("REFUSED");
    expect(refusal.endDetail).toMatch(
      /^the agent refused the order \(local-stop\): the host's local stop switch is engaged \(.*\/stop, since .*Z: disk replacement on this host \(Dana\)\)$/,
    );
    expect(refusal.startedAt).toBeNull();
    expect(processesWithArgument(refused.marker)).toEqual([]);

    const { revisionId } = await createProgram(
      s.t.db,
      s.engineer,
      { name: "dry run while stopped", source: SLEEP_LATENCY, durationSec: 30, targetHostIds: [s.host.hostId] },
      { maxDurationSec: 600 },
    );
    const dryRun = await requestDryRun(s.t.db, s.engineer, revisionId, s.host.hostId);
    expect(dryRun.status).toBe("REFUSED");
    expect(dryRun.message).toMatch(/^the host's local stop switch is engaged \(.*\): it compiles nothing until the switch is removed$/);

    fs.rmSync(s.agent.stopFile);
    await waitFor("the server to record the release", async () => (await hostRow()).localStop === null);
    expect((await auditOfHost()).map((event) => [event.action, event.toState])).toEqual([
      ["host.local-stop.engage", "STOPPED_LOCALLY"],
      ["host.local-stop.release", "ACTIVE"],
    ]);
    const after = marked(SLEEP_LATENCY);
    const afterId = await approve(s, after.source, 2);
    const ran = await endedRun(s, afterId, 30_000);
    expect(ran.endReason, ran.endDetail ?? "").toBe("DURATION_LIMIT");
    expect(ran.startedAt).not.toBeNull();
  });

  it("holds across a restart: an agent started with the switch engaged starts nothing and says so in its hello", async () => {
    await s.agent.stop();
    fs.writeFileSync(s.agent.stopFile, "kernel upgrade\n");
    const queued = marked(SLEEP_LATENCY);
    const queuedId = await approve(s, queued.source, 30);
    expect(await runStatus(s, queuedId)).toBe("QUEUED");
    const restartedAt = new Date();
    s.agent = startScenarioAgent(s, [], s.agent.dir);
    await agentConnected(s, restartedAt);
    const refusal = await endedRun(s, queuedId, 15_000);
    expect(refusal.endReason).toBe("REFUSED");
    expect(refusal.endDetail).toMatch(/\(local-stop\): the host's local stop switch is engaged \(.*: kernel upgrade\)$/);
    expect(processesWithArgument(queued.marker)).toEqual([]);
    expect((await hostRow()).localStop?.reason).toBe("kernel upgrade");
    expect(agentLogLines(s.agent.output(), "the local stop switch is engaged: stopping every run and refusing every order until it is removed")[0]).toMatchObject({
      reason: "kernel upgrade",
    });
    fs.rmSync(s.agent.stopFile);
    await waitFor("the server to record the release", async () => (await hostRow()).localStop === null);
  });
});
