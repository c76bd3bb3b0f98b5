// Starting and ending many agents' runs in one transaction, as a fleet does
// right after an approval and at its duration limit: each agent gets its own
// answer, nothing of another host is touched, a stop racing the starts wins
// or loses whole, and the audit chain stays intact.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { verifyAuditChain } from "@/lib/server/data/audit-verification.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { approvedRunsOn, createUser, enrollTestHost } from "@/test/factories.ts";
import { finishRuns } from "./finish-run.ts";
import { startRuns } from "./start-runs.ts";
import { stopRun } from "./stop-run.ts";

let t: TestDatabase;
const agents: AgentIdentity[] = [];
let runIds: string[] = [];
let sre: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  t = await createTestDatabase();
  const admin = await createUser(t.db, ["ADMIN"]);
  const engineer = await createUser(t.db, ["ENGINEER"]);
  const reviewer = await createUser(t.db, ["REVIEWER"]);
  sre = await createUser(t.db, ["SRE"]);
  for (let i = 0; i < 12; i++) {
    const host = await enrollTestHost(t.db, admin);
    agents.push({ hostId: host.hostId, hostName: host.hostName } as AgentIdentity);
  }
  runIds = await approvedRunsOn(
    t.db,
    { engineer, reviewer },
    agents.map((a) => a.hostId),
    "fleet",
  );
});

afterAll(async () => {
  await t?.drop();
});

describe("a fleet's starts and ends in one transaction", () => {
  it("starts each agent's own run, answers every other question with why not, and never starts a stopped run", async () => {
    // One run is stopped before its agent asks.
    await stopRun(t.db, sre, runIds[11]!);
    const questions = [
      ...agents.map((agent, i) => ({ agent, request: { runId: runIds[i]!, startedAt: Date.now() } })),
      { agent: agents[0]!, request: { runId: runIds[1]!, startedAt: Date.now() } }, // another host's run
      { agent: agents[2]!, request: { runId: runIds[2]!, startedAt: Date.now() } }, // asked twice in one batch
      { agent: agents[3]!, request: { runId: "no-such-run", startedAt: Date.now() } },
    ];
    const answers = await startRuns(t.db, questions);
    expect(answers.slice(0, 11)).toEqual(Array(11).fill({ start: true, reason: null }));
    expect(answers[11]).toEqual({ start: false, reason: "the run has ended (stopped or expired)" });
    expect(answers[12]).toEqual({ start: false, reason: "no such run for this host" });
    expect(answers[13]).toEqual({ start: false, reason: "the run has already started" });
    expect(answers[14]).toEqual({ start: false, reason: "no such run for this host" });
    const states = await t.db.run.findMany({ where: { id: { in: runIds } }, select: { id: true, status: true } });
    expect(states.filter((run) => run.status === "RUNNING")).toHaveLength(11);
    expect(await t.db.auditEvent.count({ where: { action: "run.start" } })).toBe(11);
  });

  it("ends each agent's own run once, refuses another host's report alone, and keeps the audit chain intact", async () => {
    const report = (i: number, reason: "completed" | "duration-limit" = "duration-limit") => ({
      runId: runIds[i]!,
      reason,
      detail: "reached the 60 s duration limit",
      endedAt: Date.now(),
      lastSeq: 60,
    });
    const answers = await finishRuns(t.db, [
      ...agents.slice(0, 11).map((agent, i) => ({ agent, report: report(i) })),
      { agent: agents[0]!, report: report(1, "completed") }, // another host's run
      { agent: agents[1]!, report: report(1, "completed") }, // a repeat: the first report wins
    ]);
    expect(answers.slice(0, 11)).toEqual(Array(11).fill(null));
    expect(answers[11]).toMatchObject({ code: "NOT_FOUND" });
    expect(answers[12]).toBeNull();
    const ended = await t.db.run.findMany({ where: { id: { in: runIds.slice(0, 11) } }, select: { status: true, endReason: true } });
    expect(ended.every((run) => run.status === "ENDED" && run.endReason === "DURATION_LIMIT")).toBe(true);
    expect(await t.db.auditEvent.count({ where: { action: "run.end" } })).toBe(11);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
