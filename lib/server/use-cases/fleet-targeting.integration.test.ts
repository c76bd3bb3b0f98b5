// Fleet targeting against the real PostgreSQL: labels given at enrollment
// and edited by admins (audited), label selectors resolved at approval into
// exactly the enrolled, non-revoked hosts they match, the content hash over
// the selector, the cap on hosts per approval, and the audit chain after a
// bulk sign. Orders are signed with a test key and verified as an agent would.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyRunOrder } from "@/lib/protocol/run-order.ts";
import type { CanonicalValue } from "@/lib/shared/canonical-json.ts";
import { NOTIFY_CHANNEL } from "@/lib/server/data/notify.ts";
import { verifyAuditChain } from "@/lib/server/data/audit-verification.ts";
import { AppError } from "@/lib/server/errors.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";
import { changeHostLabels } from "./change-host-labels.ts";
import { createEnrollmentToken } from "./create-enrollment-token.ts";
import { createProgram } from "./create-program.ts";
import { enrollHost } from "./enroll-host.ts";
import { readRevisionTargetsNow } from "./read-programs.ts";
import { requestDryRun } from "./request-dry-run.ts";
import { resolveHostSelector } from "./resolve-host-selector.ts";
import { reviewRevision } from "./review-revision.ts";
import { reviseProgram } from "./revise-program.ts";
import { revisionContentHash } from "./revision-content.ts";
import { revokeHost } from "./revoke-host.ts";

const SOURCE = "tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }";
const RULES = { maxDurationSec: 600 };

let t: TestDatabase;
let engineer: TestUser;
let reviewer: TestUser;
let admin: TestUser;
const key = testSigningKey();

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
  reviewer = await createUser(t.db, ["REVIEWER"]);
  admin = await createUser(t.db, ["ADMIN"]);
});

afterAll(async () => {
  await t?.drop();
});

const unique = () => randomBytes(3).toString("hex");

async function expectAppError(promise: Promise<unknown>, code: AppError["code"], message?: RegExp): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  if (message) expect((error as AppError).message).toMatch(message);
  return error as AppError;
}

/** Enrolls a host through a token carrying `labels`, as an admin and an agent would. */
async function enroll(hostName: string, labels: string[], agentLabels: string[] = [], allowAgentLabels = false) {
  const { token } = await createEnrollmentToken(t.db, admin, { ttlMinutes: 5, labels, allowAgentLabels });
  return { ...(await enrollHost(t.db, { token, hostName, labels: agentLabels })), hostName };
}

async function hostLabels(hostId: string): Promise<string[]> {
  return (await t.db.host.findUniqueOrThrow({ where: { id: hostId }, select: { labels: true } })).labels;
}

async function approve(revisionId: string, overrides: Parameters<typeof reviewDeps>[1] = {}) {
  return reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "fleet" }, reviewDeps(key, overrides));
}

describe("labels at enrollment", () => {
  it("the host gets the labels on the admin's token, canonical, and the enrollment is audited with them", async () => {
    const host = await enroll(`db-${unique()}`, ["zone=eu-1", " role = db ", "canary"]);
    expect(host.labels).toEqual(["canary", "role=db", "zone=eu-1"]);
    expect(await hostLabels(host.hostId)).toEqual(["canary", "role=db", "zone=eu-1"]);
    const entry = await t.db.auditEvent.findFirstOrThrow({ where: { action: "host.enroll", targetId: host.hostId }, select: { data: true } });
    expect(entry.data).toMatchObject({ labels: ["canary", "role=db", "zone=eu-1"], tokenLabels: ["canary", "role=db", "zone=eu-1"], agentLabels: [] });
  });

  it("refuses labels the agent proposes when the token does not allow them, and leaves the token unspent", async () => {
    const { token } = await createEnrollmentToken(t.db, admin, { ttlMinutes: 5, labels: ["role=web"] });
    const name = `web-${unique()}`;
    await expectAppError(enrollHost(t.db, { token, hostName: name, labels: ["role=db"] }), "UNPROCESSABLE", /does not let the agent choose labels/);
    expect(await t.db.host.count({ where: { name } })).toBe(0);
    // The same token still works without the agent's labels.
    const enrolled = await enrollHost(t.db, { token, hostName: name, labels: [] });
    expect(await hostLabels(enrolled.hostId)).toEqual(["role=web"]);
  });

  it("keeps the agent's labels when the token allows them; the token's win on the same key", async () => {
    const host = await enroll(`mixed-${unique()}`, ["role=db", "zone=eu-1"], ["zone=us-2", "rack=r12"], true);
    expect(host.labels).toEqual(["rack=r12", "role=db", "zone=eu-1"]);
  });

  it("a re-enrolled host keeps its labels, with the new token's on top", async () => {
    const name = `reinstalled-${unique()}`;
    const first = await enroll(name, ["role=db", "zone=eu-1"]);
    const again = await enroll(name, ["zone=eu-2"]);
    expect(again.hostId).toBe(first.hostId);
    expect(await hostLabels(first.hostId)).toEqual(["role=db", "zone=eu-2"]);
    const entry = await t.db.auditEvent.findFirstOrThrow({ where: { action: "host.reenroll", targetId: first.hostId }, select: { data: true } });
    expect(entry.data).toMatchObject({ labelsBefore: ["role=db", "zone=eu-1"], labels: ["role=db", "zone=eu-2"] });
  });

  it("refuses malformed labels with a sentence, on the token and from the agent", async () => {
    await expectAppError(createEnrollmentToken(t.db, admin, { ttlMinutes: 5, labels: ["Role=db"] }), "BAD_REQUEST", /labels: The label "Role=db" has a bad key/);
    await expectAppError(createEnrollmentToken(t.db, admin, { ttlMinutes: 5, labels: ["role=db", "role=web"] }), "BAD_REQUEST", /two values/);
    const { token } = await createEnrollmentToken(t.db, admin, { ttlMinutes: 5, allowAgentLabels: true });
    await expectAppError(enrollHost(t.db, { token, hostName: `bad-${unique()}`, labels: ["zone=eu 1"] }), "BAD_REQUEST", /bad value/);
  });
});

describe("an admin edits a host's labels", () => {
  it("replaces them, audited with before, after and the reason; an unchanged list writes nothing", async () => {
    const host = await enroll(`edit-${unique()}`, ["role=db"]);
    const result = await changeHostLabels(t.db, admin, host.hostId, { labels: ["zone=eu-1", "role=cache"], reason: "moved to the cache tier" });
    expect(result).toEqual({ labels: ["role=cache", "zone=eu-1"], changed: true });
    expect(await hostLabels(host.hostId)).toEqual(["role=cache", "zone=eu-1"]);
    const entries = await t.db.auditEvent.findMany({ where: { action: "host.labels-change", targetId: host.hostId } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorId: admin.id,
      fromState: "role=db",
      toState: "role=cache,zone=eu-1",
      reason: "moved to the cache tier",
      data: { host: host.hostName, before: ["role=db"], after: ["role=cache", "zone=eu-1"] },
    });

    expect(await changeHostLabels(t.db, admin, host.hostId, { labels: ["role=cache", "zone=eu-1"] })).toEqual({ labels: ["role=cache", "zone=eu-1"], changed: false });
    expect(await t.db.auditEvent.count({ where: { action: "host.labels-change", targetId: host.hostId } })).toBe(1);
  });

  it("only admins may, and only with valid labels", async () => {
    const host = await enroll(`guarded-${unique()}`, ["role=db"]);
    await expectAppError(changeHostLabels(t.db, engineer, host.hostId, { labels: ["role=web"] }), "FORBIDDEN");
    await expectAppError(changeHostLabels(t.db, admin, "no-such-host", { labels: [] }), "NOT_FOUND", /No such host/);
    expect(await hostLabels(host.hostId)).toEqual(["role=db"]);
  });
});

describe("a revision that targets a label selector", () => {
  it("signs exactly the enrolled, non-revoked hosts the selector matches at approval, plus the named ones", async () => {
    const team = `t${unique()}`;
    const db1 = await enroll(`${team}-db1`, [`team=${team}`, "role=db"]);
    const db2 = await enroll(`${team}-db2`, [`team=${team}`, "role=db", "zone=eu-1"]);
    await enroll(`${team}-web`, [`team=${team}`, "role=web"]);
    const revoked = await enroll(`${team}-db-revoked`, [`team=${team}`, "role=db"]);
    const named = await enroll(`${team}-named`, []);
    await revokeHost(t.db, admin, revoked.hostId);

    const { revisionId } = await createProgram(
      t.db,
      engineer,
      { name: "fleet", source: SOURCE, durationSec: 30, targetHostIds: [named.hostId], targetSelector: ` role=db , team=${team}` },
      RULES,
    );
    const stored = await t.db.revision.findUniqueOrThrow({ where: { id: revisionId }, select: { targetSelector: true } });
    expect(stored.targetSelector).toBe(`role=db,team=${team}`);

    // Enrolled and relabelled between submission and approval: the approval sees them as they are then.
    const late = await enroll(`${team}-db-late`, [`team=${team}`, "role=db"]);
    await changeHostLabels(t.db, admin, db2.hostId, { labels: [`team=${team}`, "role=db", "zone=eu-2"] });
    const shown = await readRevisionTargetsNow(t.db, reviewer, { targets: [{ id: named.hostId }], targetSelector: `role=db,team=${team}` });
    expect(shown).toMatchObject({ count: 4, named: 1, matched: 3, truncated: false });

    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on("notification", (message) => payloads.push(message.payload ?? ""));
    await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
    const outcome = await approve(revisionId);
    expect(outcome.status).toBe("APPROVED");

    const expected = [db1, db2, late, named].map((h) => h.hostName).sort();
    const runs = await t.db.run.findMany({
      where: { approvalId: outcome.reviewId },
      select: { id: true, hostId: true, envelope: true, status: true, host: { select: { name: true } } },
    });
    expect(runs.map((run) => run.host!.name).sort()).toEqual(expected);
    expect(new Set(outcome.runIds)).toEqual(new Set(runs.map((run) => run.id)));
    for (const run of runs) {
      expect(run.status).toBe("QUEUED");
      // Each order names its host, and an agent of that host accepts it.
      const { order } = verifyRunOrder(run.envelope as never, { trustedKeys: new Map([[key.keyId, key.publicKey]]), hostName: run.host!.name, now: new Date() });
      expect(order.runId).toBe(run.id);
      expect(order.host).toBe(run.host!.name);
    }

    // The approval's audit entry records the selector and exactly which hosts were chosen.
    const signed = await t.db.auditEvent.findFirstOrThrow({ where: { action: "approval.sign", targetId: outcome.reviewId } });
    expect(signed.data).toMatchObject({
      selector: `role=db,team=${team}`,
      hosts: 4,
      namedHosts: 1,
      selectorMatched: 3,
      hostNames: expected,
      hostsHash: `sha256:${createHash("sha256").update(expected.join("\n")).digest("hex")}`,
    });
    expect(await t.db.auditEvent.count({ where: { action: "run.sign", targetId: { in: runs.map((run) => run.id) } } })).toBe(4);

    // Agents are told after commit: the canary's (the first host by name, under the default canary rule)
    // now, in payloads PostgreSQL accepts; the others when the canary has passed (rollout-fleet.integration.test.ts).
    await new Promise((resolve) => setTimeout(resolve, 200));
    await listener.end();
    const told = payloads.map((payload) => JSON.parse(payload) as { type: string; hostIds?: string[] }).filter((event) => event.type === "runs.queued");
    expect(told.flatMap((event) => event.hostIds!)).toEqual([runs.find((run) => run.host!.name === expected[0])!.hostId]);

    // A host enrolled after the approval gets no order from it.
    const after = await enroll(`${team}-db-after`, [`team=${team}`, "role=db"]);
    expect(await t.db.run.count({ where: { hostId: after.hostId } })).toBe(0);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("is accepted when it matches no host yet, shows that, and approval is refused until one matches", async () => {
    const team = `t${unique()}`;
    const { revisionId } = await createProgram(t.db, engineer, { name: "later", source: SOURCE, durationSec: 30, targetSelector: `team=${team}` }, RULES);
    expect(await resolveHostSelector(t.db, engineer, { selector: `team=${team}`, limit: 10 })).toEqual({ selector: `team=${team}`, count: 0, hosts: [], truncated: false });
    await expectAppError(approve(revisionId), "UNPROCESSABLE", new RegExp(`No enrolled host matches the selector team=${team}, so nothing would run`));
    // Refused as a whole: no review, no run, still pending.
    expect(await t.db.review.count({ where: { revisionId } })).toBe(0);
    expect((await t.db.revision.findUniqueOrThrow({ where: { id: revisionId } })).status).toBe("PENDING");

    const host = await enroll(`${team}-first`, [`team=${team}`]);
    const outcome = await approve(revisionId);
    expect(outcome.runIds).toHaveLength(1);
    expect((await t.db.run.findUniqueOrThrow({ where: { id: outcome.runIds[0]! } })).hostId).toBe(host.hostId);
  });

  it("needs a target: neither hosts nor a selector is refused, and a malformed selector is refused with its problem", async () => {
    await expectAppError(
      createProgram(t.db, engineer, { name: "nowhere", source: SOURCE, durationSec: 30 }, RULES),
      "BAD_REQUEST",
      /Choose at least one target host, or a label selector/,
    );
    await expectAppError(
      createProgram(t.db, engineer, { name: "typo", source: SOURCE, durationSec: 30, targetSelector: "role==db" }, RULES),
      "BAD_REQUEST",
      /targetSelector: .*"=="/,
    );
    await expectAppError(
      createProgram(t.db, engineer, { name: "never", source: SOURCE, durationSec: 30, targetSelector: "role=db,role=web" }, RULES),
      "BAD_REQUEST",
      /nothing could match/,
    );
  });
});

describe("dry runs of a selector revision", () => {
  it("compile on a host the selector matches now, and never on one it does not", async () => {
    const team = `t${unique()}`;
    const matching = await enroll(`${team}-db`, [`team=${team}`, "role=db"]);
    const other = await enroll(`${team}-web`, [`team=${team}`, "role=web"]);
    const { revisionId } = await createProgram(t.db, engineer, { name: "dry", source: SOURCE, durationSec: 30, targetSelector: `team=${team},role=db` }, RULES);
    // No agent runs for these hosts: the request passes the target check and then finds nobody to answer.
    const dryRun = await requestDryRun(t.db, engineer, revisionId, matching.hostId, { timeoutMs: 200, pollMs: 50 });
    expect(dryRun.status).toBe("UNAVAILABLE");
    await expectAppError(requestDryRun(t.db, engineer, revisionId, other.hostId, { timeoutMs: 200, pollMs: 50 }), "UNPROCESSABLE", /is not one of this revision's target hosts/);
    // Relabelled into the selector, it becomes a target.
    await changeHostLabels(t.db, admin, other.hostId, { labels: [`team=${team}`, "role=db"] });
    expect((await requestDryRun(t.db, engineer, revisionId, other.hostId, { timeoutMs: 200, pollMs: 50 })).status).toBe("UNAVAILABLE");
  });
});

describe("the content hash covers the selector", () => {
  it("a changed selector is a new revision with a new hash; the same selector written differently is the same hash", async () => {
    const team = `t${unique()}`;
    const host = await enroll(`${team}-h`, [`team=${team}`, "role=db"]);
    const { programId, revisionId } = await createProgram(t.db, engineer, { name: "hash", source: SOURCE, durationSec: 30, targetSelector: `team=${team},role=db` }, RULES);
    const hashOf = async (id: string) => (await t.db.revision.findUniqueOrThrow({ where: { id }, select: { contentHash: true } })).contentHash;
    const first = await hashOf(revisionId);
    // A selector may match several hosts, so the default canary rule is part of what is hashed (and signed).
    expect(first).toBe(revisionContentHash({ source: SOURCE, durationSec: 30, targetNames: [], targetSelector: `role=db,team=${team}`, canary: { hosts: [], periodSec: 10 } }));

    const same = await reviseProgram(t.db, engineer, programId, { source: SOURCE, durationSec: 30, targetSelector: `role = db, team = ${team}`, baseRevision: 1 }, RULES);
    expect(await hashOf(same.revisionId)).toBe(first);
    const changed = await reviseProgram(t.db, engineer, programId, { source: SOURCE, durationSec: 30, targetSelector: `team=${team}`, baseRevision: 2 }, RULES);
    expect(changed.number).toBe(3);
    expect(await hashOf(changed.revisionId)).not.toBe(first);
    // Named hosts instead of the selector: another hash again.
    const byName = await reviseProgram(t.db, engineer, programId, { source: SOURCE, durationSec: 30, targetHostIds: [host.hostId], baseRevision: 3 }, RULES);
    expect(new Set([first, await hashOf(changed.revisionId), await hashOf(byName.revisionId)]).size).toBe(3);
  });

  it("a revision without a selector hashes as before selectors existed", () => {
    const legacy = `sha256:${createHash("sha256")
      .update(JSON.stringify({ limits: { durationSec: 30 }, source: SOURCE, targets: ["a", "b"] }))
      .digest("hex")}`;
    expect(revisionContentHash({ source: SOURCE, durationSec: 30, targetNames: ["b", "a"], targetSelector: null })).toBe(legacy);
  });
});

describe("hosts per approval", () => {
  /** `count` hosts labelled fleet=NAME, inserted straight into the table (enrolling thousands one by one would only slow the test). */
  async function fleetOf(count: number): Promise<{ fleet: string; hostIds: string[] }> {
    const fleet = `f${unique()}`;
    const rows = Array.from({ length: count }, (_, i) => ({ name: `${fleet}-${String(i).padStart(5, "0")}`, labels: [`fleet=${fleet}`] }));
    await t.db.host.createMany({ data: rows });
    const hosts = await t.db.host.findMany({ where: { name: { startsWith: `${fleet}-` } }, select: { id: true } });
    return { fleet, hostIds: hosts.map((h) => h.id) };
  }

  it("refuses a selector resolving to more than 5,000 hosts at submission, and signs 5,000 in one approval", async () => {
    const { fleet, hostIds } = await fleetOf(5001);
    await expectAppError(
      createProgram(t.db, engineer, { name: "too big", source: SOURCE, durationSec: 30, targetSelector: `fleet=${fleet}` }, RULES),
      "UNPROCESSABLE",
      new RegExp(`The selector fleet=${fleet} with the named hosts resolves 5001 hosts; one approval signs orders for at most 5000 \\(WORKBENCH_MAX_HOSTS_PER_APPROVAL\\)`),
    );
    await revokeHost(t.db, admin, hostIds[0]!);
    const { revisionId } = await createProgram(t.db, engineer, { name: "fleet of 5000", source: SOURCE, durationSec: 30, targetSelector: `fleet=${fleet}` }, RULES);
    const outcome = await approve(revisionId);
    expect(outcome.runIds).toHaveLength(5000);
    expect(await t.db.run.count({ where: { approvalId: outcome.reviewId } })).toBe(5000);
    expect(await t.db.run.count({ where: { approvalId: outcome.reviewId, hostId: hostIds[0]! } })).toBe(0);
    // Every one of the 5,001 audit entries of the bulk sign chains, and the head names the last.
    const verification = await verifyAuditChain(t.db);
    expect(verification).toMatchObject({ ok: true, firstBroken: null });
    const last = await t.db.auditEvent.findFirstOrThrow({ orderBy: { id: "desc" }, select: { id: true, action: true, data: true } });
    expect(verification.head?.id).toBe(last.id.toString());
    expect(last.action).toBe("run.sign");
    const signed = await t.db.auditEvent.findFirstOrThrow({ where: { action: "approval.sign", targetId: outcome.reviewId }, select: { data: true } });
    expect((signed.data as Record<string, CanonicalValue>).hosts).toBe(5000);
    expect(signed.data).not.toHaveProperty("hostNames");
  }, 120_000);

  it("refuses at approval a revision that grew past the cap since submission, writing nothing", async () => {
    const team = `t${unique()}`;
    for (let i = 0; i < 3; i++) await enroll(`${team}-${i}`, [`team=${team}`]);
    const cap = { maxHostsPerApproval: 3 };
    const { revisionId } = await createProgram(t.db, engineer, { name: "capped", source: SOURCE, durationSec: 30, targetSelector: `team=${team}` }, { ...RULES, ...cap });
    await enroll(`${team}-3`, [`team=${team}`]);
    const runsBefore = await t.db.run.count();
    const auditBefore = await t.db.auditEvent.count();
    await expectAppError(approve(revisionId, cap), "UNPROCESSABLE", /resolves 4 hosts; one approval signs orders for at most 3/);
    expect(await t.db.run.count()).toBe(runsBefore);
    expect(await t.db.auditEvent.count()).toBe(auditBefore);
    expect(await t.db.review.count({ where: { revisionId } })).toBe(0);
  });
});
