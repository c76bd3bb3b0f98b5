// The retention sweep against the real PostgreSQL: frames of runs that ended
// before the retention period are deleted and the run says so; recent runs,
// running runs and runs attached to an incident keep theirs. Abandoned replay
// uploads end in the same sweep.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Frame } from "@/lib/shared/frame.ts";
import { deleteNewestFrames } from "@/lib/server/frames/frame-retention.ts";
import { insertFrames } from "@/lib/server/frames/frame-store.ts";
import { listFrames } from "@/lib/server/frames/frame-reads.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { attachIncidentRun } from "@/lib/server/use-cases/attach-incident-run.ts";
import { createIncident } from "@/lib/server/use-cases/create-incident.ts";
import { createReplay } from "@/lib/server/use-cases/create-replay.ts";
import { endAbandonedReplays } from "@/lib/server/use-cases/end-abandoned-replays.ts";
import { finishReplay } from "@/lib/server/use-cases/finish-replay.ts";
import { pruneRunFrames } from "./prune-run-frames.ts";
import { getRunSnapshot } from "@/lib/server/use-cases/watch-run.ts";

let t: TestDatabase;
let engineer: TestUser;
const NOW = new Date("2026-11-27T12:00:00Z");
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
});

afterAll(async () => {
  await t?.drop();
});

/** A cumulative histogram printed every second, and a printf line between prints. */
function frames(runId: string, count: number, startedAt: number): Frame[] {
  return Array.from({ length: count }, (_, i) => {
    const seq = i + 1;
    const at = startedAt + seq * 500;
    if (seq % 2 === 1) return { runId, seq, at, record: { type: "printf", text: `line ${seq}\n` } };
    const n = seq / 2;
    const record = {
      type: "hist" as const,
      map: "@usecs",
      series: [
        {
          key: null,
          buckets: [
            { min: 1024, max: 2047, count: 10 * n },
            { min: 2048, max: 4095, count: n },
          ],
          total: 11 * n,
        },
      ],
    };
    const delta = {
      type: "hist" as const,
      map: "@usecs",
      series: [
        {
          key: null,
          buckets: [
            { min: 1024, max: 2047, count: 10 },
            { min: 2048, max: 4095, count: 1 },
          ],
          total: 11,
        },
      ],
    };
    return n === 1 ? { runId, seq, at, record } : { runId, seq, at, record, delta };
  });
}

/** A replay run with `count` frames that ended `daysAgo` days before NOW (or is still uploading). */
async function recordedRun(count: number, daysAgo: number | null): Promise<{ runId: string; sent: Frame[] }> {
  const startedAt = NOW.getTime() - (daysAgo ?? 0) * DAY - 3_600_000;
  const { runId } = await createReplay(t.db, engineer, { name: "capture.jsonl", startedAt }, new Date(startedAt));
  const sent = frames(runId, count, startedAt);
  for (let i = 0; i < sent.length; i += 500) await insertFrames(t.db, runId, sent.slice(i, i + 500));
  if (daysAgo !== null) await finishReplay(t.db, engineer, runId, { endedAt: NOW.getTime() - daysAgo * DAY, skippedLines: 0 });
  return { runId, sent };
}

const stored = (runId: string) => listFrames(t.db, runId, { afterSeq: 0, limit: 100_000 });
const json = (list: Frame[]) => list.map((frame) => JSON.stringify(frame));

describe("frame retention", () => {
  it("deletes the frames of runs that ended before the retention period, and the run says so; the others keep theirs", async () => {
    const old = await recordedRun(12_345, 20);
    const recent = await recordedRun(40, 3);
    const running = await recordedRun(40, null);
    const evidence = await recordedRun(40, 30);
    const empty = await recordedRun(0, 30);
    const { incidentId } = await createIncident(t.db, engineer, { title: "p99 of reads doubled", summary: "" });
    await attachIncidentRun(t.db, engineer, incidentId, { runId: evidence.runId, role: "INCIDENT" });

    expect(await pruneRunFrames(t.db, { retentionDays: 0, now: NOW })).toEqual({ runs: 0, frames: 0 });
    expect(await stored(old.runId)).toHaveLength(12_345);

    const pruned = await pruneRunFrames(t.db, { retentionDays: 14, now: NOW });
    expect(pruned.frames).toBe(12_345);

    expect(await stored(old.runId)).toEqual([]);
    expect(await t.db.frameName.count({ where: { run: { id: old.runId } } })).toBe(0);
    const snapshot = await getRunSnapshot(t.db, engineer, old.runId);
    expect(snapshot.framesPrunedAt).toBe(NOW.toISOString());
    // The run's record stays: how it ended and how many frames it had.
    expect(snapshot).toMatchObject({ status: "ENDED", endReason: "COMPLETED", lastSeq: 12_345 });

    for (const kept of [recent, running, evidence]) {
      expect(json(await stored(kept.runId))).toEqual(json(kept.sent));
      expect((await getRunSnapshot(t.db, engineer, kept.runId)).framesPrunedAt).toBeNull();
    }
    // A run that never had frames has nothing to say about deleting them.
    expect((await getRunSnapshot(t.db, engineer, empty.runId)).framesPrunedAt).toBeNull();

    const audit = await t.db.auditEvent.findMany({ where: { action: "run.frames.prune" }, select: { targetId: true } });
    expect(audit.map((entry) => entry.targetId)).toContain(old.runId);
    expect(audit.map((entry) => entry.targetId)).not.toContain(evidence.runId);

    // A second sweep finds nothing more, and frames sent late for a pruned run are refused, not stored.
    expect((await pruneRunFrames(t.db, { retentionDays: 14, now: NOW })).frames).toBe(0);
    await expect(insertFrames(t.db, old.runId, frames(old.runId, 3, NOW.getTime()))).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await stored(old.runId)).toEqual([]);
  });

  it("deletes a run's newest frames first, so a sweep stopped half way leaves frames that still read back exactly", async () => {
    const run = await recordedRun(6_000, 20);
    // A server stopping: the sweep ends before its next step.
    const stopped = new AbortController();
    stopped.abort();
    expect(await pruneRunFrames(t.db, { retentionDays: 14, now: NOW, signal: stopped.signal })).toEqual({ runs: 0, frames: 0 });
    // One step of a sweep, as if the server stopped right after it.
    expect(await deleteNewestFrames(t.db, run.runId, 2_500)).toBe(2_500);
    expect(json(await stored(run.runId))).toEqual(json(run.sent.slice(0, 3_500)));
    expect((await getRunSnapshot(t.db, engineer, run.runId)).framesPrunedAt).toBeNull();
    // The next sweep goes on where it stopped.
    expect(await pruneRunFrames(t.db, { retentionDays: 14, now: NOW })).toEqual({ runs: 1, frames: 3_500 });
    expect(await stored(run.runId)).toEqual([]);
  });

  it("ends replay uploads that did not finish within their window, keeping what was uploaded", async () => {
    const startedAt = NOW.getTime() - 2 * DAY;
    const { runId: abandoned } = await createReplay(t.db, engineer, { name: "half.jsonl", startedAt }, new Date(startedAt));
    await insertFrames(t.db, abandoned, frames(abandoned, 10, startedAt));
    const { runId: uploading } = await createReplay(t.db, engineer, { name: "now.jsonl", startedAt: NOW.getTime() }, NOW);

    expect(await endAbandonedReplays(t.db, NOW)).toBe(1);
    expect(await getRunSnapshot(t.db, engineer, abandoned)).toMatchObject({ status: "ENDED", endReason: "EXPIRED", lastSeq: 10 });
    expect(await stored(abandoned)).toHaveLength(10);
    expect((await getRunSnapshot(t.db, engineer, uploading)).status).toBe("RUNNING");
    expect(await t.db.auditEvent.count({ where: { action: "replay.abandon", targetId: abandoned } })).toBe(1);
    expect(await endAbandonedReplays(t.db, NOW)).toBe(0);
  });
});
