// The run page's batch read, against the real PostgreSQL: a fleet larger
// than the old 500-run cap comes back whole, the run asked for first and the
// others by host name, without reading any program text.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { readRunBatch } from "@/lib/server/use-cases/read-run-batch.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";

const FLEET = 700;
let t: TestDatabase;
let sre: TestUser;
let signedRunId: string;
let batchId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const [admin, engineer, reviewer] = await Promise.all([createUser(t.db, ["ADMIN"]), createUser(t.db, ["ENGINEER"]), createUser(t.db, ["REVIEWER"])]);
  sre = await createUser(t.db, ["SRE"]);
  const host = await enrollTestHost(t.db, admin, "fleet-0000");
  const { revisionId } = await createProgram(
    t.db,
    engineer,
    { name: "fleet batch", source: "interval:s:1 { @usecs = hist(1); }", durationSec: 600, targetHostIds: [host.hostId] },
    { maxDurationSec: 3600 },
  );
  batchId = (await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "ok" }, reviewDeps(testSigningKey()))).reviewId;
  const signed = await t.db.run.findFirstOrThrow({ where: { approvalId: batchId } });
  signedRunId = signed.id;
  // A program targets at most 64 hosts today; the fleet's other runs are copies of the signed row on other hosts
  // (a fixture shortcut: what is read back is the same either way).
  await t.db.host.createMany({ data: Array.from({ length: FLEET - 1 }, (_, i) => ({ name: `fleet-${String(FLEET - 1 - i).padStart(4, "0")}`, labels: [] })) });
  const hosts = await t.db.host.findMany({ where: { name: { startsWith: "fleet-" }, NOT: { id: host.hostId } }, select: { id: true } });
  await t.db.run.createMany({
    data: hosts.map((other) => ({ revisionId, hostId: other.id, approvalId: batchId, expiresAt: signed.expiresAt, envelope: signed.envelope ?? undefined })),
  });
});

afterAll(async () => {
  await t?.drop();
});

describe("readRunBatch", () => {
  it("returns every run of a 700-host approval, the asked-for run first and the others by host name", async () => {
    const middle = await t.db.run.findFirstOrThrow({ where: { approvalId: batchId, host: { name: "fleet-0350" } }, select: { id: true } });
    const runs = await readRunBatch(t.db, sre, middle.id);
    expect(runs).toHaveLength(FLEET);
    expect(runs[0]!.id).toBe(middle.id);
    const others = runs.slice(1).map((run) => run.hostName);
    expect(others[0]).toBe("fleet-0000");
    expect(others.at(-1)).toBe(`fleet-${String(FLEET - 1).padStart(4, "0")}`);
    expect(others).toEqual([...others].sort());
    expect(new Set(runs.map((run) => run.id)).size).toBe(FLEET);
    expect(runs.every((run) => run.origin.kind === "live" && run.origin.batchId === batchId && run.programName === "fleet batch")).toBe(true);
    expect(runs.find((run) => run.id === signedRunId)?.hostName).toBe("fleet-0000");
  });

  it("says NOT_FOUND for a run that does not exist", async () => {
    await expect(readRunBatch(t.db, sre, "no-such-run")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
