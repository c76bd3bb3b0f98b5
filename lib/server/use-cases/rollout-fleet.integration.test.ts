// Canary rollouts and the stop switch at fleet size, against the real
// PostgreSQL (no agents: the agents' questions go through the same use cases
// the /agent namespace calls). 2,000 hosts behind one label: one approval
// stages one canary and holds 1,999 orders back; the canary's clean end
// releases them in one decision, taken once even when several server
// processes look at the same moment; a stop switch on the label ends and
// stops the whole fleet's runs and refuses the next approval there.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyRunOrder } from "@/lib/protocol/run-order.ts";
import { AppError } from "@/lib/server/errors.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";
import { createProgram } from "./create-program.ts";
import { decideRollout, decideRollouts } from "./decide-rollouts.ts";
import { engageStopSwitch } from "./engage-stop-switch.ts";
import { finishRuns } from "./finish-run.ts";
import { listRunOrders } from "./list-run-orders.ts";
import { releaseStopSwitch } from "./release-stop-switch.ts";
import { reviewRevision } from "./review-revision.ts";
import { startRuns } from "./start-runs.ts";

const FLEET = 2_000;
const key = testSigningKey();
let t: TestDatabase;
let engineer: TestUser;
let reviewer: TestUser;
let sre: TestUser;
let admin: TestUser;
let hosts: { hostId: string; hostName: string }[];
const label = `fleet=${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
  reviewer = await createUser(t.db, ["REVIEWER"]);
  sre = await createUser(t.db, ["SRE"]);
  admin = await createUser(t.db, ["ADMIN"]);
  const names = Array.from({ length: FLEET }, (_, i) => `fleet-${String(i).padStart(4, "0")}`);
  await t.db.$executeRaw`INSERT INTO "Host" ("id", "name", "labels") SELECT 'h' || n, n, ARRAY[${label}]::text[] FROM unnest(${names}::text[]) AS n`;
  hosts = names.map((name) => ({ hostId: `h${name}`, hostName: name }));
}, 120_000);

afterAll(async () => {
  await t?.drop();
});

async function approveOnFleet(canary?: { periodSec: number }): Promise<{ revisionId: string; runIds: string[] }> {
  const { revisionId } = await createProgram(
    t.db,
    engineer,
    {
      name: `fleet ${randomBytes(3).toString("hex")}`,
      source: "tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }",
      durationSec: 60,
      targetSelector: label,
      ...(canary ? { canary } : {}),
    },
    { maxDurationSec: 600 },
  );
  const { runIds } = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "fleet" }, reviewDeps(key));
  return { revisionId, runIds };
}

describe("a canary rollout of 2,000 hosts", () => {
  it("hands only the canary's order out, holds the rest, and releases them all once when the canary passes", async () => {
    const { runIds } = await approveOnFleet();
    expect(runIds).toHaveLength(FLEET);
    const [canaryHost, heldHost] = [hosts[0]!, hosts[1]!];
    const canaryOrders = await listRunOrders(t.db, canaryHost);
    expect(canaryOrders).toHaveLength(1);
    // The order the canary's agent verifies signs the default rule: the first host by name, 10 s.
    expect(
      verifyRunOrder(canaryOrders[0]!.envelope, {
        trustedKeys: new Map([[canaryOrders[0]!.envelope.signatures[0]!.keyid, key.publicKey]]),
        hostName: canaryHost.hostName,
        now: new Date(),
      }).order.rollout,
    ).toEqual({
      canaryHosts: [canaryHost.hostName],
      periodSec: 10,
    });
    expect(await listRunOrders(t.db, heldHost)).toEqual([]);
    const canaryRunId = canaryOrders[0]!.runId;
    const heldRunId = (await t.db.run.findFirstOrThrow({ where: { id: { in: runIds }, hostId: heldHost.hostId }, select: { id: true } })).id;
    // A held run does not start even if its agent asks.
    expect(await startRuns(t.db, [{ agent: heldHost, request: { runId: heldRunId, startedAt: Date.now() } }])).toEqual([
      { start: false, reason: "the run waits for its launch's canary" },
    ]);
    expect(await startRuns(t.db, [{ agent: canaryHost, request: { runId: canaryRunId, startedAt: Date.now() } }])).toEqual([{ start: true, reason: null }]);
    expect(await decideRollouts(t.db)).toBe(0);

    // The canary ends on its own (bpftrace exited): no error, so the launch goes on.
    expect(await finishRuns(t.db, [{ agent: canaryHost, report: { runId: canaryRunId, reason: "completed", detail: null, endedAt: Date.now(), lastSeq: 0 } }])).toEqual([null]);
    const rolloutId = (await t.db.run.findUniqueOrThrow({ where: { id: canaryRunId }, select: { rolloutId: true } })).rolloutId!;
    // Four server processes look at once: one decides.
    const started = performance.now();
    const decisions = await Promise.all([1, 2, 3, 4].map(() => decideRollout(t.db, rolloutId)));
    const releaseMs = performance.now() - started;
    expect(decisions.filter(Boolean)).toHaveLength(1);
    expect(await t.db.rollout.findUniqueOrThrow({ where: { id: rolloutId }, select: { state: true, decision: true } })).toEqual({
      state: "PASSED",
      decision: `the canary on ${canaryHost.hostName} ran 10 s without error and ended before its first overhead sample (budget 1.00%)`,
    });
    expect(await t.db.run.count({ where: { rolloutId, heldForCanary: true } })).toBe(0);
    expect(await listRunOrders(t.db, heldHost)).toHaveLength(1);
    expect(await t.db.auditEvent.count({ where: { targetType: "rollout", targetId: rolloutId, action: "rollout.pass" } })).toBe(1);
    console.log(`canary pass releasing ${FLEET - 1} held runs: ${releaseMs.toFixed(0)} ms (four deciders racing)`);
  }, 120_000);
});

describe("a stop switch over 2,000 hosts", () => {
  it("ends every queued run and stops every running one of the label in one transaction, and refuses the next approval there", async () => {
    // The earlier launch's 1,999 released runs are queued; a second one without a canary is started everywhere.
    const { runIds } = await approveOnFleet({ periodSec: 0 });
    // Runs come back in the order of their hosts' names, as the hosts were made: every other host starts its run.
    const answers = await startRuns(
      t.db,
      runIds.flatMap((runId, i) => (i % 2 === 0 ? [{ agent: hosts[i]!, request: { runId, startedAt: Date.now() } }] : [])),
    );
    const startedCount = answers.filter((answer) => answer.start).length;
    const queuedBefore = await t.db.run.count({ where: { status: "QUEUED", host: { labels: { has: label } } } });
    const runningBefore = await t.db.run.count({ where: { status: "RUNNING", host: { labels: { has: label } } } });
    expect(runningBefore).toBe(startedCount);

    const started = performance.now();
    const engaged = await engageStopSwitch(t.db, sre, { scope: { kind: "label", label }, reason: "fleet-wide kernel regression" });
    const engageMs = performance.now() - started;
    expect(engaged).toMatchObject({ endedQueued: queuedBefore, stoppedRunning: runningBefore });
    expect(await t.db.run.count({ where: { status: "QUEUED", host: { labels: { has: label } } } })).toBe(0);
    expect(await t.db.run.count({ where: { status: "RUNNING", stopRequestedAt: null, host: { labels: { has: label } } } })).toBe(0);
    console.log(`stop switch over ${FLEET} hosts: ${queuedBefore} queued ended and ${runningBefore} running asked to stop in ${engageMs.toFixed(0)} ms`);

    const { revisionId } = await createProgram(
      t.db,
      engineer,
      { name: "refused on the fleet", source: "tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }", durationSec: 5, targetHostIds: [hosts[7]!.hostId] },
      { maxDurationSec: 600 },
    );
    const refusal = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "fleet" }, reviewDeps(key)).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe("CONFLICT");
    expect((refusal as AppError).message).toContain(`The stop switch for hosts labelled ${label} is engaged`);

    await releaseStopSwitch(t.db, admin, engaged.switchId, { reason: "fixed kernel rolled out" });
    expect((await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "fleet" }, reviewDeps(key))).runIds).toHaveLength(1);
    await expect(releaseStopSwitch(t.db, admin, engaged.switchId, { reason: "again" })).rejects.toMatchObject({ code: "CONFLICT" });
  }, 120_000);
});
