// Runbooks against the real PostgreSQL: a revision approved with its launch
// policy, launches checked against that policy (role, validity, scope, hosts
// per launch, duration, values, launches at once) with a sentence for each
// refusal and nothing written then, one order per host signed with the values
// and their schema (verified here as an agent would), one audit entry per
// launch, revocation ending queued launches, and edits as new revisions.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyRunOrder } from "@/lib/protocol/run-order.ts";
import type { RunbookPolicyInput } from "@/lib/shared/runbook-policy.ts";
import { verifyAuditChain } from "@/lib/server/data/audit-verification.ts";
import { AppError } from "@/lib/server/errors.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";
import { createEnrollmentToken } from "./create-enrollment-token.ts";
import { createIncident } from "./create-incident.ts";
import { createProgram } from "./create-program.ts";
import { enrollHost } from "./enroll-host.ts";
import { launchRunbook, launchRunbookInput, type LaunchRunbookInput } from "./launch-runbook.ts";
import { reviewRevision } from "./review-revision.ts";
import { reviseProgram } from "./revise-program.ts";
import { revokeApproval } from "./revoke-approval.ts";
import { stopRun } from "./stop-run.ts";
import { engageStopSwitch } from "./engage-stop-switch.ts";
import { releaseStopSwitch } from "./release-stop-switch.ts";

const SOURCE = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[str($2)] = count(); }";
const RULES = { maxDurationSec: 600, maxRunbookValidityDays: 90 };
const DAY = 86_400_000;

let t: TestDatabase;
let engineer: TestUser;
let reviewer: TestUser;
let admin: TestUser;
let sre: TestUser;
const key = testSigningKey();
const unique = () => randomBytes(3).toString("hex");

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
  reviewer = await createUser(t.db, ["REVIEWER"]);
  admin = await createUser(t.db, ["ADMIN"]);
  sre = await createUser(t.db, ["SRE"]);
});

afterAll(async () => {
  await t?.drop();
});

async function expectAppError(promise: Promise<unknown>, code: AppError["code"], message?: RegExp): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code, (error as AppError).message).toBe(code);
  if (message) expect((error as AppError).message).toMatch(message);
  return error as AppError;
}

async function enroll(labels: string[]) {
  const hostName = `rb-${unique()}`;
  const { token } = await createEnrollmentToken(t.db, admin, { ttlMinutes: 5, labels });
  return { ...(await enrollHost(t.db, { token, hostName, labels: [] })), hostName };
}

function policy(overrides: Partial<RunbookPolicyInput> = {}): RunbookPolicyInput {
  return {
    measures: "openat calls by file name for one process",
    whenToUse: "A process is slow and you suspect file lookups.",
    params: [
      { name: "pid", description: "The process id", type: "integer", min: 1, max: 4_194_304, default: 1 },
      { name: "comm", description: "Command name", type: "string", maxLength: 15, pattern: "[a-z0-9_-]+", default: "bash" },
    ],
    maxHostsPerLaunch: 2,
    maxConcurrentLaunches: 1,
    validityDays: 30,
    ...overrides,
  };
}

/** A runbook scoped to hosts labelled role=<role>, approved by the reviewer at `approvedAt`. */
async function approvedRunbook(role: string, overrides: Partial<RunbookPolicyInput> = {}, approvedAt = new Date()) {
  const { programId, revisionId } = await createProgram(
    t.db,
    engineer,
    { name: `opens ${unique()}`, source: SOURCE, durationSec: 120, targetSelector: `role=${role}`, runbook: policy(overrides) },
    RULES,
  );
  const outcome = await reviewRevision(
    t.db,
    reviewer,
    revisionId,
    { decision: "approve", reason: "bounded, one process" },
    reviewDeps(key, { now: () => approvedAt, maxRunbookValidityDays: 90 }),
  );
  return { programId, revisionId, outcome };
}

const launch = (actor: TestUser, programId: string, input: LaunchRunbookInput, now = new Date()) =>
  launchRunbook(t.db, actor, programId, launchRunbookInput.parse(input), { ...reviewDeps(key), now: () => now });

describe("runbook approval", () => {
  it("signs nothing at approval, records the validity, and covers the policy in the content hash", async () => {
    await enroll(["role=web"]);
    const { revisionId, outcome } = await approvedRunbook(`web`);
    expect(outcome).toMatchObject({ status: "APPROVED", runIds: [] });
    expect(await t.db.run.count({ where: { revisionId } })).toBe(0);
    const review = await t.db.review.findFirstOrThrow({ where: { revisionId } });
    expect(review.validUntil!.getTime() - review.createdAt.getTime()).toBeGreaterThan(29 * DAY);
    const entry = await t.db.auditEvent.findFirstOrThrow({ where: { action: "runbook.approve", targetId: revisionId } });
    expect(entry.data).toMatchObject({ launchRoles: ["SRE"], maxHostsPerLaunch: 2 });
    // The same program and targets with another policy is other content.
    const other = await createProgram(
      t.db,
      engineer,
      { name: `x ${unique()}`, source: SOURCE, durationSec: 120, targetSelector: "role=web", runbook: policy({ maxHostsPerLaunch: 1 }) },
      RULES,
    );
    const hashes = await t.db.revision.findMany({ where: { id: { in: [revisionId, other.revisionId] } }, select: { contentHash: true } });
    expect(new Set(hashes.map((h) => h.contentHash)).size).toBe(2);
  });

  it("refuses a validity past the admin's cap, a $N without a parameter, and self-approval", async () => {
    await expectAppError(
      createProgram(t.db, engineer, { name: `long ${unique()}`, source: SOURCE, durationSec: 60, targetSelector: "role=web", runbook: policy({ validityDays: 120 }) }, RULES),
      "UNPROCESSABLE",
      /at most 90 days on this server/,
    );
    await expectAppError(
      createProgram(t.db, engineer, { name: `n ${unique()}`, source: SOURCE, durationSec: 60, targetSelector: "role=web", runbook: policy({ params: [] }) }, RULES),
      "UNPROCESSABLE",
      /reads \$1, \$2, but the runbook declares 0 parameters/,
    );
    const both = await createUser(t.db, ["ENGINEER", "REVIEWER"]);
    const { revisionId } = await createProgram(t.db, both, { name: `self ${unique()}`, source: SOURCE, durationSec: 60, targetSelector: "role=web", runbook: policy() }, RULES);
    await expectAppError(reviewRevision(t.db, both, revisionId, { decision: "approve", reason: "mine" }, reviewDeps(key)), "UNPROCESSABLE", /someone else has to review it/);
  });
});

describe("launching a runbook", () => {
  it("signs one order per picked host with the values and their schema, audited once with who, why, values and hosts", async () => {
    const role = `db${unique()}`;
    const [a, b] = [await enroll([`role=${role}`]), await enroll([`role=${role}`])];
    const { programId, revisionId } = await approvedRunbook(role);
    const incidentId = (await createIncident(t.db, sre, { title: "slow opens", summary: "" })).incidentId;
    const outcome = await launch(sre, programId, { hostIds: [a.hostId, b.hostId], values: { pid: 4242, comm: "nginx" }, durationSec: 60, reason: "INC-7 p99 up", incidentId });
    expect(outcome.runIds).toHaveLength(2);
    const runs = await t.db.run.findMany({ where: { launchId: outcome.launchId }, select: { id: true, envelope: true, hostId: true, revisionId: true, expiresAt: true } });
    for (const run of runs) {
      const host = run.hostId === a.hostId ? a.hostName : b.hostName;
      const { order } = verifyRunOrder(run.envelope, { trustedKeys: new Map([[key.keyId, key.publicKey]]), hostName: host, now: new Date() });
      expect(order.program.source).toBe(SOURCE);
      expect(order.limits.durationSec).toBe(60);
      expect(order.runbook).toMatchObject({ launchId: outcome.launchId, launchedBy: sre.name, reason: "INC-7 p99 up", values: { pid: 4242, comm: "nginx" } });
      expect(order.runbook!.params.map((p) => p.name)).toEqual(["pid", "comm"]);
      expect(Date.parse(order.expiresAt)).toBe(Date.parse(outcome.endsAt));
      expect(run.revisionId).toBe(revisionId);
    }
    const entries = await t.db.auditEvent.findMany({ where: { targetType: "launch", targetId: outcome.launchId } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "runbook.launch", actorId: sre.id, reason: "INC-7 p99 up" });
    expect(entries[0]!.data).toMatchObject({ values: { pid: 4242, comm: "nginx" }, hosts: 2, hostNames: [a.hostName, b.hostName].sort(), incidentId });
    expect(await t.db.incidentRun.count({ where: { incidentId } })).toBe(2);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("starts a launch on several hosts on the signed canary first, and refuses launches while a stop switch covers them", async () => {
    const role = `can${unique()}`;
    const [a, b] = [await enroll([`role=${role}`]), await enroll([`role=${role}`])];
    const { programId } = await approvedRunbook(role);
    const input = { hostIds: [a.hostId, b.hostId], values: { pid: 1, comm: "bash" }, durationSec: 30, reason: "canary first" };
    const outcome = await launch(sre, programId, input);
    const runs = await t.db.run.findMany({ where: { launchId: outcome.launchId }, select: { hostId: true, canary: true, heldForCanary: true, rolloutId: true, envelope: true } });
    // The canary is the first host by name (the revision names none): it starts now, the other waits for its decision.
    const canaryHost = [a, b].sort((x, y) => (x.hostName < y.hostName ? -1 : 1))[0]!;
    expect(runs.find((run) => run.hostId === canaryHost.hostId)).toMatchObject({ canary: true, heldForCanary: false });
    expect(runs.find((run) => run.hostId !== canaryHost.hostId)).toMatchObject({ canary: false, heldForCanary: true });
    expect(runs[0]!.rolloutId).not.toBeNull();
    const { order } = verifyRunOrder(runs[0]!.envelope, {
      trustedKeys: new Map([[key.keyId, key.publicKey]]),
      hostName: runs[0]!.hostId === a.hostId ? a.hostName : b.hostName,
      now: new Date(),
    });
    expect(order.rollout).toEqual({ canaryHosts: [canaryHost.hostName], periodSec: 10 });
    for (const run of await t.db.run.findMany({ where: { launchId: outcome.launchId }, select: { id: true } })) await stopRun(t.db, sre, run.id).catch(() => undefined);

    const { switchId } = await engageStopSwitch(t.db, sre, { scope: { kind: "program", programId }, reason: "INC-9: stop every probe of this runbook" });
    await expectAppError(launch(sre, programId, { ...input, hostIds: [a.hostId], reason: "during the switch" }), "CONFLICT", /INC-9: stop every probe of this runbook/);
    await releaseStopSwitch(t.db, admin, switchId, { reason: "incident over" });
    expect((await launch(sre, programId, { ...input, hostIds: [a.hostId], reason: "after the switch" })).runIds).toHaveLength(1);
  });

  it("refuses with a sentence anything outside the signed policy, and writes nothing then", async () => {
    const role = `api${unique()}`;
    const [a, b, c] = [await enroll([`role=${role}`]), await enroll([`role=${role}`]), await enroll([`role=${role}`])];
    const outsider = await enroll(["role=elsewhere"]);
    const { programId } = await approvedRunbook(role);
    const ok = { hostIds: [a.hostId], values: { pid: 1, comm: "bash" }, durationSec: 30, reason: "look" };
    const before = await t.db.auditEvent.count();
    await expectAppError(launch(sre, programId, { ...ok, values: { pid: 0, comm: "bash" } }), "UNPROCESSABLE", /pid must be between 1 and 4194304; 0 is not/);
    await expectAppError(launch(sre, programId, { ...ok, values: { pid: 1, comm: 'x"}' } }), "UNPROCESSABLE", /comm must match the pattern/);
    await expectAppError(launch(sre, programId, { ...ok, values: { pid: 1 } }), "UNPROCESSABLE", /comm has no value/);
    await expectAppError(launch(sre, programId, { ...ok, durationSec: 121 }), "UNPROCESSABLE", /at most 120 seconds; 121 is longer/);
    await expectAppError(launch(sre, programId, { ...ok, hostIds: [a.hostId, b.hostId, c.hostId] }), "UNPROCESSABLE", /at most 2 hosts; you picked 3/);
    await expectAppError(
      launch(sre, programId, { ...ok, hostIds: [outsider.hostId] }),
      "UNPROCESSABLE",
      new RegExp(`outside this runbook's scope \\(hosts matching role=${role}\\)`),
    );
    await expectAppError(launch(engineer, programId, ok), "FORBIDDEN", /may be launched by: sre/);
    expect(await t.db.auditEvent.count()).toBe(before);
    expect(await t.db.runbookLaunch.count({ where: { revision: { programId } } })).toBe(0);
  });

  it("holds the cap on launches at once until the earlier launch's runs end", async () => {
    const role = `cap${unique()}`;
    const a = await enroll([`role=${role}`]);
    const { programId } = await approvedRunbook(role, { maxConcurrentLaunches: 1 });
    const input = { hostIds: [a.hostId], values: { pid: 1, comm: "bash" }, durationSec: 30, reason: "first" };
    const first = await launch(sre, programId, input);
    // Two at once: the row lock lets exactly one of them through... and the first still holds the slot.
    const racing = await Promise.allSettled([launch(sre, programId, input), launch(sre, programId, input)]);
    expect(racing.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((racing[0] as PromiseRejectedResult).reason.message).toMatch(/1 launch of this runbook is still queued or running; its policy allows 1 at once/);
    await stopRun(t.db, sre, first.runIds[0]!);
    const second = await launch(sre, programId, { ...input, reason: "second" });
    expect(second.runIds).toHaveLength(1);
  });

  it("refuses once the validity has run out, and launches that would outlast it", async () => {
    const role = `val${unique()}`;
    const a = await enroll([`role=${role}`]);
    const approvedAt = new Date();
    const { programId } = await approvedRunbook(role, { validityDays: 1 }, approvedAt);
    const input = { hostIds: [a.hostId], values: { pid: 1, comm: "bash" }, durationSec: 100, reason: "late" };
    await expectAppError(launch(sre, programId, input, new Date(approvedAt.getTime() + DAY + 1000)), "UNPROCESSABLE", /approval has run out/);
    await expectAppError(launch(sre, programId, input, new Date(approvedAt.getTime() + DAY - 60_000)), "UNPROCESSABLE", /would outlast it/);
    expect((await launch(sre, programId, input, new Date(approvedAt.getTime() + DAY - 3_600_000))).runIds).toHaveLength(1);
  });

  it("ends queued launches on revocation, audited, and keeps earlier launches on their revision after an edit", async () => {
    const role = `rev${unique()}`;
    const a = await enroll([`role=${role}`]);
    const { programId, revisionId } = await approvedRunbook(role, { maxConcurrentLaunches: 3 });
    const first = await launch(sre, programId, { hostIds: [a.hostId], values: { pid: 1, comm: "bash" }, durationSec: 30, reason: "before the edit" });
    // An edit is a new revision that needs its own approval; launches still use the approved one.
    await reviseProgram(t.db, engineer, programId, { baseRevision: 1, source: SOURCE, durationSec: 300, targetSelector: `role=${role}`, runbook: policy() }, RULES);
    const during = await launch(sre, programId, { hostIds: [a.hostId], values: { pid: 2, comm: "bash" }, durationSec: 30, reason: "edit pending" });
    expect(await t.db.run.findUniqueOrThrow({ where: { id: during.runIds[0]! }, select: { revisionId: true } })).toEqual({ revisionId });

    const review = await t.db.review.findFirstOrThrow({ where: { revisionId } });
    const revoked = await revokeApproval(t.db, reviewer, review.id, { reason: "reads too much" });
    expect(revoked).toMatchObject({ revisionStatus: "REVOKED", endedRuns: 2 });
    const ended = await t.db.run.findMany({ where: { id: { in: [...first.runIds, ...during.runIds] } }, select: { status: true, endReason: true, revisionId: true } });
    expect(ended).toEqual([...Array(2)].map(() => ({ status: "ENDED", endReason: "REVOKED", revisionId })));
    expect(await t.db.auditEvent.count({ where: { action: "run.revoke", targetId: { in: [...first.runIds, ...during.runIds] } } })).toBe(2);
    await expectAppError(
      launch(sre, programId, { hostIds: [a.hostId], values: { pid: 1, comm: "bash" }, durationSec: 30, reason: "after" }),
      "NOT_FOUND",
      /never approved, or its approval was revoked/,
    );
  });

  it("launches the newest approved revision, and revoking it does not bring back the one it replaced", async () => {
    const role = `new${unique()}`;
    const a = await enroll([`role=${role}`]);
    const { programId } = await approvedRunbook(role);
    const revised = await reviseProgram(t.db, engineer, programId, { baseRevision: 1, source: SOURCE, durationSec: 60, targetSelector: `role=${role}`, runbook: policy() }, RULES);
    await reviewRevision(t.db, reviewer, revised.revisionId, { decision: "approve", reason: "shorter" }, reviewDeps(key));
    const input = { hostIds: [a.hostId], values: { pid: 1, comm: "bash" }, durationSec: 90, reason: "r2" };
    await expectAppError(launch(sre, programId, input), "UNPROCESSABLE", /at most 60 seconds; 90 is longer/);
    const launched = await launch(sre, programId, { ...input, durationSec: 60 });
    expect(launched.revisionId).toBe(revised.revisionId);
    const review = await t.db.review.findFirstOrThrow({ where: { revisionId: revised.revisionId } });
    await revokeApproval(t.db, reviewer, review.id, { reason: "wrong" });
    await expectAppError(launch(sre, programId, { ...input, durationSec: 60 }), "NOT_FOUND");
  });
});
