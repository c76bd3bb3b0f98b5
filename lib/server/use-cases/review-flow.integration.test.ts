import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyRunOrder } from "@/lib/protocol/run-order.ts";
import { auditRowHash, AUDIT_GENESIS_HASH } from "@/lib/server/data/audit.ts";
import { AppError } from "@/lib/server/errors.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";
import { createProgram } from "./create-program.ts";
import { reviseProgram } from "./revise-program.ts";
import { reviewRevision } from "./review-revision.ts";
import { stopRun } from "./stop-run.ts";
import { startRun } from "./start-run.ts";
import { revokeApproval } from "./revoke-approval.ts";
import { updateSettings } from "./update-settings.ts";
import { DEFAULT_REVIEW_RULES, type ReviewRules } from "@/lib/server/settings/review-rules.ts";

const SOURCE = "tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }";
const RULES = { maxDurationSec: 600 };

let t: TestDatabase;
let engineer: TestUser;
let reviewer: TestUser;
let secondReviewer: TestUser;
let engineerReviewer: TestUser;
let sre: TestUser;
let admin: TestUser;
let securityReviewer: TestUser;
let host: { hostId: string; hostName: string; credential: string };
const key = testSigningKey();

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
  reviewer = await createUser(t.db, ["REVIEWER"]);
  secondReviewer = await createUser(t.db, ["REVIEWER"]);
  engineerReviewer = await createUser(t.db, ["ENGINEER", "REVIEWER"]);
  sre = await createUser(t.db, ["SRE"]);
  admin = await createUser(t.db, ["ADMIN"]);
  securityReviewer = await createUser(t.db, ["SECURITY_REVIEWER"]);
  host = await enrollTestHost(t.db, admin);
});

afterAll(async () => {
  await t?.drop();
});

async function submit(author: TestUser = engineer) {
  return createProgram(t.db, author, { name: "nanosleep", source: SOURCE, durationSec: 30, targetHostIds: [host.hostId] }, RULES);
}

async function expectAppError(promise: Promise<unknown>, code: AppError["code"], message?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  if (message) expect((error as AppError).message).toMatch(message);
}

describe("review state machine", () => {
  it("approving signs one run order per target host, verifiable by the agent's own check", async () => {
    const { revisionId } = await submit();
    const outcome = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "bounded, cheap probe" }, reviewDeps(key));
    expect(outcome.status).toBe("APPROVED");
    expect(outcome.runIds).toHaveLength(1);

    const run = await t.db.run.findUniqueOrThrow({ where: { id: outcome.runIds[0]! }, select: { envelope: true, status: true } });
    expect(run.status).toBe("QUEUED");
    const { order } = verifyRunOrder(run.envelope, { trustedKeys: new Map([[key.keyId, key.publicKey]]), hostName: host.hostName, now: new Date() });
    expect(order.program.source).toBe(SOURCE);
    expect(order.limits.durationSec).toBe(30);
    expect(order.host).toBe(host.hostName);
    expect(order.program.revisionId).toBe(revisionId);
    expect(order.approval.id).toBe(outcome.reviewId);
    expect(order.approval.by).toBe(reviewer.name);
  });

  it("refuses self-approval, even to a user who is both engineer and reviewer", async () => {
    const { revisionId } = await submit(engineerReviewer);
    await expectAppError(reviewRevision(t.db, engineerReviewer, revisionId, { decision: "approve", reason: "mine" }, reviewDeps(key)), "UNPROCESSABLE", /someone else/);
    const revision = await t.db.revision.findUniqueOrThrow({ where: { id: revisionId }, select: { status: true, _count: { select: { reviews: true, runs: true } } } });
    expect(revision).toEqual({ status: "PENDING", _count: { reviews: 0, runs: 0 } });
  });

  it("refuses roles without the reviewer role", async () => {
    const { revisionId } = await submit();
    await expectAppError(reviewRevision(t.db, sre, revisionId, { decision: "approve", reason: "looks fine" }, reviewDeps(key)), "FORBIDDEN");
  });

  it("refuses to approve a rejected revision, and keeps the rejection", async () => {
    const { revisionId } = await submit();
    await reviewRevision(t.db, reviewer, revisionId, { decision: "reject", reason: "needs a predicate" }, reviewDeps(key));
    await expectAppError(reviewRevision(t.db, secondReviewer, revisionId, { decision: "approve", reason: "fine by me" }, reviewDeps(key)), "CONFLICT", /rejected/);
    const revision = await t.db.revision.findUniqueOrThrow({ where: { id: revisionId }, select: { status: true, _count: { select: { runs: true } } } });
    expect(revision).toEqual({ status: "REJECTED", _count: { runs: 0 } });
  });

  it("two reviewers approving at once: exactly one decision, one set of runs", async () => {
    const { revisionId } = await submit();
    const results = await Promise.allSettled([
      reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "first" }, reviewDeps(key)),
      reviewRevision(t.db, secondReviewer, revisionId, { decision: "approve", reason: "second" }, reviewDeps(key)),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(AppError);
    expect((rejected.reason as AppError).code).toBe("CONFLICT");
    const revision = await t.db.revision.findUniqueOrThrow({
      where: { id: revisionId },
      select: { status: true, _count: { select: { reviews: true, runs: true } } },
    });
    expect(revision).toEqual({ status: "APPROVED", _count: { reviews: 1, runs: 1 } });
  });

  it("approve racing reject: one wins, the revision is consistent", async () => {
    const { revisionId } = await submit();
    const results = await Promise.allSettled([
      reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "ok" }, reviewDeps(key)),
      reviewRevision(t.db, secondReviewer, revisionId, { decision: "reject", reason: "no" }, reviewDeps(key)),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const revision = await t.db.revision.findUniqueOrThrow({ where: { id: revisionId }, select: { status: true, _count: { select: { runs: true, reviews: true } } } });
    expect(revision._count.reviews).toBe(1);
    expect(revision._count.runs).toBe(revision.status === "APPROVED" ? 1 : 0);
  });

  it("a rejected program is revised into a new immutable revision; the old one stays readable", async () => {
    const { programId, revisionId: first } = await submit();
    await reviewRevision(t.db, reviewer, first, { decision: "reject", reason: "add a duration predicate" }, reviewDeps(key));
    const revised = await reviseProgram(t.db, engineer, programId, { source: `${SOURCE}\n// v2`, durationSec: 20, targetHostIds: [host.hostId], baseRevision: 1 }, RULES);
    expect(revised.number).toBe(2);
    const revisions = await t.db.revision.findMany({ where: { programId }, orderBy: { number: "asc" }, select: { number: true, status: true, source: true, contentHash: true } });
    expect(revisions.map((r) => [r.number, r.status])).toEqual([
      [1, "REJECTED"],
      [2, "PENDING"],
    ]);
    expect(revisions[0]!.source).toBe(SOURCE);
    expect(revisions[0]!.contentHash).not.toBe(revisions[1]!.contentHash);
    const outcome = await reviewRevision(t.db, reviewer, revised.revisionId, { decision: "approve", reason: "better" }, reviewDeps(key));
    expect(outcome.status).toBe("APPROVED");
  });

  it("revisions are submitted on top of the latest one only", async () => {
    const { programId } = await submit();
    const content = { source: SOURCE, durationSec: 10, targetHostIds: [host.hostId] };
    await reviseProgram(t.db, engineer, programId, { ...content, baseRevision: 1 }, RULES);
    await expectAppError(reviseProgram(t.db, engineer, programId, { ...content, baseRevision: 1 }, RULES), "CONFLICT", /newer/);
  });

  it("a new revision supersedes a pending one, which can then no longer be approved", async () => {
    const { programId, revisionId: first } = await submit();
    await reviseProgram(t.db, engineer, programId, { source: `${SOURCE} // edited`, durationSec: 30, targetHostIds: [host.hostId], baseRevision: 1 }, RULES);
    await expectAppError(reviewRevision(t.db, reviewer, first, { decision: "approve", reason: "ok" }, reviewDeps(key)), "CONFLICT", /superseded/);
  });

  it("refuses limits above the server maximum and unknown hosts, writing nothing", async () => {
    const before = await t.db.program.count();
    await expectAppError(
      createProgram(t.db, engineer, { name: "long", source: SOURCE, durationSec: 601, targetHostIds: [host.hostId] }, RULES),
      "UNPROCESSABLE",
      /at most 600 seconds/,
    );
    await expectAppError(
      createProgram(t.db, engineer, { name: "nowhere", source: SOURCE, durationSec: 5, targetHostIds: ["no-such-host"] }, RULES),
      "UNPROCESSABLE",
      /Unknown or revoked target host/,
    );
    expect(await t.db.program.count()).toBe(before);
  });
});

async function withRules<T>(rules: Partial<ReviewRules>, body: () => Promise<T>): Promise<T> {
  await updateSettings(t.db, admin, { reviewRules: { ...DEFAULT_REVIEW_RULES, ...rules }, lintPolicy: {} });
  try {
    return await body();
  } finally {
    await updateSettings(t.db, admin, { reviewRules: DEFAULT_REVIEW_RULES, lintPolicy: {} });
  }
}

const approve = (who: TestUser, revisionId: string, deps = reviewDeps(key)) => reviewRevision(t.db, who, revisionId, { decision: "approve", reason: `${who.name} approves` }, deps);
const hoursFromNow = (hours: number) => () => new Date(Date.now() + hours * 3_600_000);

describe("review rules", () => {
  it("the last editor cannot approve, nor can the program's original author", async () => {
    const { programId } = await submit(engineer);
    const { revisionId } = await reviseProgram(
      t.db,
      engineerReviewer,
      programId,
      { source: `${SOURCE} // tweak`, durationSec: 30, targetHostIds: [host.hostId], baseRevision: 1 },
      RULES,
    );
    await expectAppError(approve(engineerReviewer, revisionId), "UNPROCESSABLE", /You wrote this revision/);
    const authorAndReviewer = await createUser(t.db, ["ENGINEER", "REVIEWER"]);
    const { programId: second } = await submit(authorAndReviewer);
    const { revisionId: editedByOther } = await reviseProgram(
      t.db,
      engineer,
      second,
      { source: `${SOURCE} // other`, durationSec: 30, targetHostIds: [host.hostId], baseRevision: 1 },
      RULES,
    );
    await expectAppError(approve(authorAndReviewer, editedByOther), "UNPROCESSABLE", /program's author/);
  });

  it("one review per reviewer per revision", async () => {
    await withRules({ approvalsRequired: 2 }, async () => {
      const { revisionId } = await submit();
      const first = await approve(reviewer, revisionId);
      expect(first).toMatchObject({ status: "PENDING", approvals: 1, approvalsRequired: 2 });
      await expectAppError(approve(reviewer, revisionId), "CONFLICT", /already reviewed/);
      expect(await t.db.review.count({ where: { revisionId } })).toBe(1);
    });
  });

  it("needs as many approvals as the rules say, then signs once", async () => {
    await withRules({ approvalsRequired: 2 }, async () => {
      const { revisionId } = await submit();
      expect((await approve(reviewer, revisionId)).runIds).toEqual([]);
      const second = await approve(secondReviewer, revisionId);
      expect(second).toMatchObject({ status: "APPROVED", approvals: 2 });
      expect(second.runIds).toHaveLength(1);
    });
  });

  it("two approvals completing at once produce exactly one set of runs", async () => {
    await withRules({ approvalsRequired: 2 }, async () => {
      const third = await createUser(t.db, ["REVIEWER"]);
      const { revisionId } = await submit();
      await approve(reviewer, revisionId);
      const results = await Promise.all([approve(secondReviewer, revisionId).catch((e: unknown) => e), approve(third, revisionId).catch((e: unknown) => e)]);
      const approved = results.filter((r) => !(r instanceof Error) && (r as { status: string }).status === "APPROVED");
      expect(approved).toHaveLength(1);
      expect(await t.db.run.count({ where: { revisionId } })).toBe(1);
    });
  });

  it("a new revision dismisses the approvals of the one it replaces", async () => {
    await withRules({ approvalsRequired: 2 }, async () => {
      const { programId, revisionId } = await submit();
      await approve(reviewer, revisionId);
      const revised = await reviseProgram(t.db, engineer, programId, { source: `${SOURCE} // v2`, durationSec: 30, targetHostIds: [host.hostId], baseRevision: 1 }, RULES);
      // The earlier approval was for other content: one approval of the new revision is not enough.
      expect(await approve(secondReviewer, revised.revisionId)).toMatchObject({ status: "PENDING", approvals: 1 });
      await expectAppError(approve(secondReviewer, revisionId), "CONFLICT", /superseded/);
    });
  });

  it("an expired review request can no longer be approved", async () => {
    await withRules({ reviewWindowHours: 1 }, async () => {
      const { revisionId } = await submit();
      await expectAppError(approve(reviewer, revisionId, reviewDeps(key, { now: hoursFromNow(2) })), "UNPROCESSABLE", /review window .* closed/);
    });
  });

  it("an expired approval no longer counts", async () => {
    await withRules({ approvalsRequired: 2, approvalValidHours: 1 }, async () => {
      const { revisionId } = await submit();
      await approve(reviewer, revisionId);
      // Two hours later the first approval has expired: the second one alone is not enough.
      expect(await approve(secondReviewer, revisionId, reviewDeps(key, { now: hoursFromNow(2) }))).toMatchObject({ status: "PENDING", approvals: 1 });
    });
  });

  it("run orders expire with the approval that signed them", async () => {
    await withRules({ approvalValidHours: 2 }, async () => {
      const { revisionId } = await submit();
      const { runIds } = await approve(reviewer, revisionId);
      const run = await t.db.run.findUniqueOrThrow({ where: { id: runIds[0]! }, select: { expiresAt: true, approval: { select: { validUntil: true } } } });
      expect(run.expiresAt).toEqual(run.approval?.validUntil);
      expect(run.expiresAt.getTime() - Date.now()).toBeGreaterThan(1.9 * 3_600_000);
      expect(run.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
    });
  });

  it("a uprobe program needs a security reviewer's approval", async () => {
    const { revisionId } = await createProgram(
      t.db,
      engineer,
      { name: "readline", source: "uprobe:/bin/bash:readline { @lines = count(); }", durationSec: 30, targetHostIds: [host.hostId] },
      RULES,
    );
    const stored = await t.db.revision.findUniqueOrThrow({ where: { id: revisionId }, select: { securityReviewRequired: true } });
    expect(stored.securityReviewRequired).toBe(true);
    expect(await approve(reviewer, revisionId)).toMatchObject({ status: "PENDING", approvals: 1, securityApprovalMissing: true });
    const approved = await approve(securityReviewer, revisionId);
    expect(approved).toMatchObject({ status: "APPROVED", securityApprovalMissing: false });
    expect(approved.runIds).toHaveLength(1);
  });

  it("an approval is re-checked against the policy in force now: kprobe:vfs_read, submitted while elevated types were allowed, cannot be approved once an admin forbids them, and nothing is signed", async () => {
    const setLintPolicy = (lintPolicy: Parameters<typeof updateSettings>[2]["lintPolicy"]) => updateSettings(t.db, admin, { reviewRules: DEFAULT_REVIEW_RULES, lintPolicy });
    await setLintPolicy({ allowElevatedProbeTypes: true });
    try {
      const { revisionId } = await createProgram(
        t.db,
        engineer,
        { name: "vfs reads", source: "kprobe:vfs_read { @reads = count(); }", durationSec: 30, targetHostIds: [host.hostId] },
        RULES,
      );
      // A first approval under the permissive policy counts, but the security review is still missing.
      expect(await approve(reviewer, revisionId)).toMatchObject({ status: "PENDING", approvals: 1, securityApprovalMissing: true });

      await setLintPolicy({ allowElevatedProbeTypes: false });
      const error = await approve(securityReviewer, revisionId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("UNPROCESSABLE");
      expect((error as AppError).message).toMatch(/^The policy in force now refuses this program, so it cannot be approved; reject it or request changes: line 1: /);
      expect((error as AppError).details?.findings).toEqual([expect.objectContaining({ code: "probe-type-elevated", severity: "error", line: 1 })]);

      // Not recorded, not signed: the revision waits as it was, with its one earlier approval.
      const revision = await t.db.revision.findUniqueOrThrow({ where: { id: revisionId }, select: { status: true, _count: { select: { reviews: true, runs: true } } } });
      expect(revision).toEqual({ status: "PENDING", _count: { reviews: 1, runs: 0 } });
      expect(await t.db.auditEvent.count({ where: { action: "run.sign", data: { path: ["revisionId"], equals: revisionId } } })).toBe(0);

      // Sending it back is still possible.
      expect((await reviewRevision(t.db, securityReviewer, revisionId, { decision: "reject", reason: "kprobes are off now" }, reviewDeps(key))).status).toBe("REJECTED");
    } finally {
      await setLintPolicy({});
    }
  });

  it("a reviewer can request changes, and the author submits a new revision", async () => {
    const { programId, revisionId } = await submit();
    const outcome = await reviewRevision(t.db, reviewer, revisionId, { decision: "request-changes", reason: "print per second, not at exit" }, reviewDeps(key));
    expect(outcome.status).toBe("CHANGES_REQUESTED");
    await expectAppError(approve(secondReviewer, revisionId), "CONFLICT", /changes requested/);
    const revised = await reviseProgram(
      t.db,
      engineer,
      programId,
      { source: `${SOURCE}\ninterval:s:1 { print(@n); }`, durationSec: 30, targetHostIds: [host.hostId], baseRevision: 1 },
      RULES,
    );
    expect((await approve(reviewer, revised.revisionId)).status).toBe("APPROVED");
  });

  it("the policy lint refuses what it must at submission, and writes nothing", async () => {
    const before = await t.db.revision.count();
    const error = await createProgram(t.db, engineer, { name: "shell", source: 'BEGIN { system("id"); }', durationSec: 5, targetHostIds: [host.hostId] }, RULES).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("UNPROCESSABLE");
    expect((error as AppError).details?.findings).toEqual([expect.objectContaining({ code: "unsafe-builtin", line: 1, severity: "error" })]);
    expect(await t.db.revision.count()).toBe(before);
  });
});

describe("revocation", () => {
  it("revoking an approval ends the runs that have not started, and they never start", async () => {
    const { revisionId } = await submit();
    const { reviewId, runIds } = await approve(reviewer, revisionId);
    const result = await revokeApproval(t.db, secondReviewer, reviewId, { reason: "wrong host group" });
    expect(result).toEqual({ revisionStatus: "REVOKED", stoppedRuns: 0, endedRuns: 1 });
    const run = await t.db.run.findUniqueOrThrow({ where: { id: runIds[0]! }, select: { status: true, endReason: true, endDetail: true } });
    expect(run).toEqual({ status: "ENDED", endReason: "REVOKED", endDetail: `revoked by ${secondReviewer.name}: wrong host group` });
    expect(await startRun(t.db, { hostId: host.hostId, hostName: host.hostName }, { runId: runIds[0]!, startedAt: Date.now() })).toMatchObject({ start: false });
    await expectAppError(revokeApproval(t.db, secondReviewer, reviewId, { reason: "again" }), "CONFLICT", /already revoked/);
  });

  it("a revoke racing the agent's start ends in exactly one consistent state", async () => {
    for (let i = 0; i < 5; i++) {
      const { revisionId } = await submit();
      const { reviewId, runIds } = await approve(reviewer, revisionId);
      const agent = { hostId: host.hostId, hostName: host.hostName };
      const [started, revoked] = await Promise.all([
        startRun(t.db, agent, { runId: runIds[0]!, startedAt: Date.now() }),
        revokeApproval(t.db, admin, reviewId, { reason: "race" }),
      ]);
      const run = await t.db.run.findUniqueOrThrow({ where: { id: runIds[0]! }, select: { status: true, stopRequestedAt: true, stopReason: true } });
      if (started.start) {
        expect(revoked.stoppedRuns).toBe(1);
        expect(run).toMatchObject({ status: "RUNNING", stopReason: `revoked by ${admin.name}: race` });
      } else {
        expect(revoked.endedRuns).toBe(1);
        expect(run.status).toBe("ENDED");
      }
    }
  });

  it("engineers and SREs cannot revoke", async () => {
    const { revisionId } = await submit();
    const { reviewId } = await approve(reviewer, revisionId);
    await expectAppError(revokeApproval(t.db, engineer, reviewId, { reason: "x" }), "FORBIDDEN");
    await expectAppError(revokeApproval(t.db, sre, reviewId, { reason: "x" }), "FORBIDDEN");
  });
});

describe("runs and stops", () => {
  it("a stop racing the agent's start ends in exactly one consistent state", async () => {
    for (let i = 0; i < 5; i++) {
      const { revisionId } = await submit();
      const { runIds } = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "race" }, reviewDeps(key));
      const runId = runIds[0]!;
      const agent = { hostId: host.hostId, hostName: host.hostName };
      const [started, stopped] = await Promise.all([startRun(t.db, agent, { runId, startedAt: Date.now() }), stopRun(t.db, sre, runId)]);
      const run = await t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, stopRequestedAt: true, endReason: true } });
      if (started.start) {
        // The agent may start it; then the stop is a request the agent will act on.
        expect(stopped.status).toBe("STOPPING");
        expect(run.status).toBe("RUNNING");
        expect(run.stopRequestedAt).not.toBeNull();
      } else {
        expect(stopped.status).toBe("ENDED");
        expect(run).toMatchObject({ status: "ENDED", endReason: "STOPPED" });
      }
    }
  });

  it("another host's agent can neither start a run nor see it as its own", async () => {
    const { revisionId } = await submit();
    const { runIds } = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "ok" }, reviewDeps(key));
    const reply = await startRun(t.db, { hostId: "some-other-host", hostName: "other" }, { runId: runIds[0]!, startedAt: Date.now() });
    expect(reply).toEqual({ start: false, reason: "no such run for this host" });
  });
});

describe("audit trail", () => {
  it("records every state change with who, when and the revision's content hash, as an unbroken hash chain", async () => {
    const { revisionId } = await submit();
    await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "audited" }, reviewDeps(key));
    const revision = await t.db.revision.findUniqueOrThrow({ where: { id: revisionId }, select: { contentHash: true } });
    const events = await t.db.auditEvent.findMany({ where: { targetId: revisionId }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.action, e.actorName, e.contentHash])).toEqual([
      ["revision.submit", engineer.name, revision.contentHash],
      ["review.approve", reviewer.name, revision.contentHash],
      ["revision.approve", reviewer.name, revision.contentHash],
    ]);
    expect(events[2]!.reason).toBe("audited");

    const chain = await t.db.auditEvent.findMany({ orderBy: { id: "asc" } });
    let previous = AUDIT_GENESIS_HASH;
    for (const row of chain) {
      expect(row.prevHash).toBe(previous);
      expect(auditRowHash({ ...row, data: (row.data as Record<string, never> | null) ?? null })).toBe(row.hash);
      previous = row.hash;
    }
  });
});
