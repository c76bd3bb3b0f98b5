// Rollout safety with two real agent processes, real bpftrace, the real
// socket.io server and PostgreSQL (issue 11): a launch on two hosts starts on
// its canary first and on the other host only if the canary passed; a heavy
// canary aborts the launch on every host with its figure; the stop switch
// ends queued and running runs and refuses approvals until an admin releases
// it. What users see is read back through the same use cases and tables as
// the run page, the Runs page and the audit trail.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/server/errors.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { engageStopSwitch } from "@/lib/server/use-cases/engage-stop-switch.ts";
import { readRolloutOfRun } from "@/lib/server/use-cases/read-rollout.ts";
import { readStopSwitches } from "@/lib/server/use-cases/read-stop-switches.ts";
import { releaseStopSwitch } from "@/lib/server/use-cases/release-stop-switch.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { enrollTestHost, reviewDeps } from "@/test/factories.ts";
import { startAgentProcess, type AgentProcess } from "@/test/agent-process.ts";
import { processesWithArgument, waitFor } from "@/test/processes.ts";
import { SLEEP_LATENCY, endedRun, marked, sleepWorkload, startScenario, stopScenario, type Scenario } from "@/test/agent-scenario.ts";

let s: Scenario;
let second: { hostId: string; hostName: string; credential: string };
let secondAgent: AgentProcess;
const workloads: ChildProcess[] = [];

beforeAll(async () => {
  s = await startScenario();
  second = await enrollTestHost(s.t.db, s.admin, `host-b-${randomBytes(3).toString("hex")}`);
  secondAgent = startAgentProcess({
    serverUrl: s.server.url,
    credential: second.credential,
    publicKey: s.key.publicKey,
    hostName: second.hostName,
    extraArgs: ["--stop-grace-sec", "3"],
  });
  await waitFor("the second agent to connect", async () => (await s.t.db.host.findUniqueOrThrow({ where: { id: second.hostId }, select: { facts: true } })).facts);
});

afterAll(async () => {
  for (const workload of workloads) workload.kill("SIGTERM"); // `timeout` passes SIGTERM on to dd; a SIGKILL would orphan dd
  await secondAgent?.stop();
  await stopScenario(s);
});

/** A program for both hosts with the scenario's host as its canary, approved; the run ids by host. */
async function launchOnBoth(source: string, durationSec: number, canaryPeriodSec: number): Promise<{ canary: string; held: string; revisionId: string }> {
  const { revisionId } = await createProgram(
    s.t.db,
    s.engineer,
    {
      name: `rollout ${randomBytes(3).toString("hex")}`,
      source,
      durationSec,
      targetHostIds: [s.host.hostId, second.hostId],
      canary: { hostIds: [s.host.hostId], periodSec: canaryPeriodSec },
    },
    { maxDurationSec: 600 },
  );
  const { runIds } = await reviewRevision(s.t.db, s.reviewer, revisionId, { decision: "approve", reason: "rollout test" }, reviewDeps(s.key));
  const runs = await s.t.db.run.findMany({ where: { id: { in: runIds } }, select: { id: true, hostId: true } });
  return { canary: runs.find((run) => run.hostId === s.host.hostId)!.id, held: runs.find((run) => run.hostId === second.hostId)!.id, revisionId };
}

const runRow = (runId: string) =>
  s.t.db.run.findUniqueOrThrow({
    where: { id: runId },
    select: { status: true, startedAt: true, endReason: true, endDetail: true, canary: true, heldForCanary: true, envelope: true },
  });

function signedRollout(envelope: unknown): unknown {
  const payload = (envelope as { payload: string }).payload;
  return (JSON.parse(Buffer.from(payload, "base64").toString("utf8")) as { rollout?: unknown }).rollout;
}

describe("a canary rollout on two hosts", () => {
  it("starts the other host only after the canary ran its period under budget, and the run page's rollout says so", async () => {
    workloads.push(sleepWorkload(40));
    const program = marked(SLEEP_LATENCY);
    const { canary, held } = await launchOnBoth(program.source, 20, 3);
    // Both orders sign the rule the reviewer approved.
    expect(signedRollout((await runRow(held)).envelope)).toEqual({ canaryHosts: [s.host.hostName], periodSec: 3 });
    await waitFor("the canary to start", async () => (await runRow(canary)).startedAt);
    expect((await runRow(held)).status).toBe("QUEUED");
    expect((await readRolloutOfRun(s.t.db, s.sre, held)).rollout).toMatchObject({ state: "CANARY", canaryHosts: [s.host.hostName], held: 1 });

    const released = await waitFor("the other host to start", async () => (await runRow(held)).startedAt, 30_000);
    const canaryStarted = (await runRow(canary)).startedAt!;
    expect(released.getTime() - canaryStarted.getTime()).toBeGreaterThanOrEqual(3_000);
    const { rollout } = await readRolloutOfRun(s.t.db, s.sre, canary);
    expect(rollout).toMatchObject({ state: "PASSED", held: 0 });
    expect(rollout!.canaryCpuPercent).not.toBeNull();
    expect(rollout!.canaryCpuPercent!).toBeLessThan(rollout!.budgetPercent);
    expect(rollout!.decision).toMatch(new RegExp(`^the canary on ${s.host.hostName} ran 3 s without error and measured [0-9.]+% of a CPU at most \\(budget `));
    const audit = await s.t.db.auditEvent.findMany({ where: { targetType: "rollout", targetId: rollout!.id }, orderBy: { id: "asc" }, select: { action: true, toState: true } });
    expect(audit).toEqual([
      { action: "rollout.canary", toState: "CANARY" },
      { action: "rollout.pass", toState: "PASSED" },
    ]);
    await endedRun(s, canary, 40_000);
    await endedRun(s, held, 40_000);
  }, 90_000);

  it("aborts the launch on every host, with the canary's figure, when the canary costs more than its budget", async () => {
    // Every syscall on the machine counted, under a one-byte copy: tens of % of a CPU against the default budget.
    const dd = spawn("timeout", ["40", "dd", "if=/dev/zero", "of=/dev/null", "bs=1"], { stdio: "ignore" });
    workloads.push(dd);
    const heavy = marked("tracepoint:raw_syscalls:sys_enter { @c[comm] = count(); @h = hist(args->id); }");
    const { canary, held } = await launchOnBoth(heavy.source, 30, 5);
    const canaryEnd = await endedRun(s, canary, 30_000);
    expect(canaryEnd.endReason).toBe("OVERHEAD_LIMIT");
    const heldEnd = await endedRun(s, held, 15_000);
    dd.kill("SIGTERM"); // `timeout` passes SIGTERM on to dd; a SIGKILL would orphan dd
    expect(heldEnd.endReason).toBe("CANARY_ABORTED");
    expect(heldEnd.startedAt).toBeNull();
    // The canary's figure is the reason on every host: the overhead it reported over the budget, or
    // the agent's own sentence when its fast stop reported first.
    const reasons = [
      `launch aborted: the canary on ${s.host.hostName} measured [0-9.]+% of a CPU, over the 1\\.00% budget`,
      `launch aborted: the canary on ${s.host.hostName} ended with an error \\(overhead limit: .*spent [0-9.]+ s of CPU.*\\)`,
    ];
    expect(heldEnd.endDetail).toMatch(new RegExp(`^(${reasons.join("|")})$`));
    const { rollout } = await readRolloutOfRun(s.t.db, s.sre, held);
    expect(rollout).toMatchObject({ state: "ABORTED", held: 0 });
    expect(rollout!.decision).toBe(heldEnd.endDetail!.replace(/^launch aborted: /, ""));
    const audit = await s.t.db.auditEvent.findMany({
      where: {
        OR: [
          { targetType: "rollout", targetId: rollout!.id },
          { targetType: "run", targetId: held, action: "run.abort" },
        ],
      },
      orderBy: { id: "asc" },
      select: { action: true, toState: true, reason: true },
    });
    expect(audit.map((event) => [event.action, event.toState])).toEqual([
      ["rollout.canary", "CANARY"],
      ["rollout.abort", "ABORTED"],
      ["run.abort", "ENDED"],
    ]);
    expect(audit[1]!.reason).toBe(rollout!.decision);
  }, 60_000);
});

describe("the stop switch", () => {
  it("ends queued and running runs, refuses approvals until an admin releases it, and says who stopped them and why", async () => {
    await secondAgent.stop();
    workloads.push(sleepWorkload(60));
    const running = marked(SLEEP_LATENCY);
    // One host each, no canary: one runs on the scenario's host, one waits for the stopped second agent.
    const { revisionId: runningRevision } = await createProgram(
      s.t.db,
      s.engineer,
      { name: "to stop", source: running.source, durationSec: 120, targetHostIds: [s.host.hostId] },
      { maxDurationSec: 600 },
    );
    const [runningId] = (await reviewRevision(s.t.db, s.reviewer, runningRevision, { decision: "approve", reason: "t" }, reviewDeps(s.key))).runIds;
    const { revisionId: queuedRevision } = await createProgram(
      s.t.db,
      s.engineer,
      { name: "never starts", source: SLEEP_LATENCY, durationSec: 120, targetHostIds: [second.hostId] },
      { maxDurationSec: 600 },
    );
    const [queuedId] = (await reviewRevision(s.t.db, s.reviewer, queuedRevision, { decision: "approve", reason: "t" }, reviewDeps(s.key))).runIds;
    await waitFor("bpftrace to start", () => processesWithArgument(running.marker).length > 0, 15_000);

    const engaged = await engageStopSwitch(s.t.db, s.sre, { scope: { kind: "all" }, reason: "incident 42: kernel soft lockups" });
    expect(engaged).toMatchObject({ endedQueued: 1, stoppedRunning: 1 });
    const detail = `stopped by ${s.sre.name} with the stop switch for every run: incident 42: kernel soft lockups`;
    const queued = await endedRun(s, queuedId!, 5_000);
    expect(queued).toMatchObject({ endReason: "STOPPED", endDetail: detail, startedAt: null });
    const stopped = await endedRun(s, runningId!, 15_000);
    expect(stopped).toMatchObject({ endReason: "STOPPED", endDetail: detail });
    expect(processesWithArgument(running.marker)).toEqual([]);

    // While engaged: the Runs page's banner, and an approval is refused with a sentence (and nothing recorded or signed).
    expect((await readStopSwitches(s.t.db, s.engineer)).engaged).toMatchObject([{ scopeName: "every run", reason: "incident 42: kernel soft lockups", engagedBy: s.sre.name }]);
    const { revisionId: refusedRevision } = await createProgram(
      s.t.db,
      s.engineer,
      { name: "refused", source: SLEEP_LATENCY, durationSec: 5, targetHostIds: [s.host.hostId] },
      { maxDurationSec: 600 },
    );
    const refusal = await reviewRevision(s.t.db, s.reviewer, refusedRevision, { decision: "approve", reason: "t" }, reviewDeps(s.key)).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).status).toBe(409);
    expect((refusal as AppError).message).toMatch(
      /^The stop switch for every run is engaged \(by .* at .*: incident 42: kernel soft lockups\); nothing in its scope is signed until an admin releases it\.$/,
    );
    expect(await s.t.db.run.count({ where: { revisionId: refusedRevision } })).toBe(0);
    expect(await s.t.db.review.count({ where: { revisionId: refusedRevision } })).toBe(0);

    // An SRE cannot release it; an admin can, with a reason, and the approval then signs and runs.
    await expect(releaseStopSwitch(s.t.db, s.sre, engaged.switchId, { reason: "over" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await releaseStopSwitch(s.t.db, s.admin, engaged.switchId, { reason: "lockups explained: firmware" });
    expect((await readStopSwitches(s.t.db, s.engineer)).engaged).toEqual([]);
    const { runIds } = await reviewRevision(s.t.db, s.reviewer, refusedRevision, { decision: "approve", reason: "t" }, reviewDeps(s.key));
    expect((await endedRun(s, runIds[0]!, 30_000)).endReason).toBe("DURATION_LIMIT");

    const audit = await s.t.db.auditEvent.findMany({
      where: { targetType: "stop-switch", targetId: engaged.switchId },
      orderBy: { id: "asc" },
      select: { action: true, actorName: true, reason: true },
    });
    expect(audit).toEqual([
      { action: "stop-switch.engage", actorName: s.sre.name, reason: "incident 42: kernel soft lockups" },
      { action: "stop-switch.release", actorName: s.admin.name, reason: "lockups explained: firmware" },
    ]);
    const runAudit = await s.t.db.auditEvent.findMany({
      where: { action: "run.stop", targetId: { in: [queuedId!, runningId!] } },
      select: { targetId: true, toState: true, reason: true },
    });
    expect(runAudit).toEqual(
      expect.arrayContaining([
        { targetId: queuedId, toState: "ENDED", reason: detail },
        { targetId: runningId, toState: "STOPPING", reason: detail },
      ]),
    );
  }, 90_000);
});
