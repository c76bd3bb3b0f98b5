// The expiry sweep against the real PostgreSQL: queued runs whose signed
// order expired end as EXPIRED, each with its audit entry; a run whose order
// is still valid, and a run its agent already started, are left alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "@/lib/server/data/audit-verification.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { approvedRunsOn, createUser, enrollTestHost } from "@/test/factories.ts";
import { expireQueuedRuns } from "./expire-queued-runs.ts";
import { startRuns } from "./start-runs.ts";

let t: TestDatabase;
/** [expired and queued, expired but started, still valid] */
let runIds: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const admin = await createUser(t.db, ["ADMIN"]);
  const engineer = await createUser(t.db, ["ENGINEER"]);
  const reviewer = await createUser(t.db, ["REVIEWER"]);
  const hosts = [await enrollTestHost(t.db, admin), await enrollTestHost(t.db, admin), await enrollTestHost(t.db, admin)];
  runIds = await approvedRunsOn(
    t.db,
    { engineer, reviewer },
    hosts.map((host) => host.hostId),
    "sweep",
  );
  const started = await startRuns(t.db, [{ agent: { hostId: hosts[1]!.hostId, hostName: hosts[1]!.hostName }, request: { runId: runIds[1]!, startedAt: Date.now() } }]);
  expect(started).toEqual([{ start: true, reason: null }]);
});

afterAll(async () => {
  await t?.drop();
});

describe("the expiry sweep", () => {
  it("ends only the queued runs whose order expired, audits each, and leaves started and valid runs alone", async () => {
    // The first two orders expired a minute ago (as if their hosts were offline); the third is still valid.
    const past = new Date(Date.now() - 60_000);
    await t.db.run.updateMany({ where: { id: { in: [runIds[0]!, runIds[1]!] } }, data: { expiresAt: past } });

    expect(await expireQueuedRuns(t.db)).toBe(1);

    const states = await t.db.run.findMany({ where: { id: { in: runIds } }, select: { id: true, status: true, endReason: true } });
    const stateOf = (id: string) => states.find((run) => run.id === id);
    expect(stateOf(runIds[0]!)).toMatchObject({ status: "ENDED", endReason: "EXPIRED" });
    expect(stateOf(runIds[1]!)).toMatchObject({ status: "RUNNING", endReason: null });
    expect(stateOf(runIds[2]!)).toMatchObject({ status: "QUEUED", endReason: null });
    const audited = await t.db.auditEvent.findMany({ where: { action: "run.expire" }, select: { targetId: true } });
    expect(audited.map((entry) => entry.targetId)).toEqual([runIds[0]]);

    // A second sweep finds nothing more to end.
    expect(await expireQueuedRuns(t.db)).toBe(0);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
