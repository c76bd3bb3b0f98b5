// The frame store against the real PostgreSQL: what goes in through
// insertFrames comes out of every reader exactly (the same JSON text), once
// per (run, seq), in seq order, however it was batched, resent or raced.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HistDeltaTracker } from "@/lib/shared/bpftrace/deltas.ts";
import type { HistBucket } from "@/lib/shared/bpftrace/records.ts";
import type { Frame, FrameRecord, OverheadRecord } from "@/lib/shared/frame.ts";
import { createDbClient } from "@/lib/server/db/client.ts";
import { createReplay } from "@/lib/server/use-cases/create-replay.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { listHistFramesOfMap, listHistMapNames, streamRunFrames } from "./frame-history.ts";
import { insertFrames } from "./frame-store.ts";
import { listFrames, listLatestFrames } from "./frame-reads.ts";

let t: TestDatabase;
let engineer: TestUser;
const START = Date.UTC(2026, 10, 27, 12, 0, 0);

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
});

afterAll(async () => {
  await t?.drop();
});

async function newRun(): Promise<string> {
  return (await createReplay(t.db, engineer, { name: "frames.jsonl", startedAt: START })).runId;
}

const log2 = (counts: (number | string)[]): HistBucket[] => counts.map((count, i) => ({ min: 256 * 2 ** i, max: 256 * 2 ** (i + 1) - 1, count }));
const overhead = (second: number): OverheadRecord => ({
  type: "overhead",
  windowSec: 5,
  cpuPercent: 0.3 + second / 1000,
  bpfPercent: 0.12,
  bpftracePercent: 0.18 + second / 1000,
  budgetPercent: 1,
  eventsPerSec: 1300 + second,
  programs: [{ id: 41, name: "tracepoint_raw_syscalls_sys_exit_1", type: 5, events: 650, nsPerEvent: 380 }],
});

/**
 * What an agent sends for a program printing a cumulative @usecs histogram
 * and a keyed @by_comm one every second, with printf lines, a count map and
 * the agent's overhead samples: deltas from HistDeltaTracker, as the agent computes them.
 */
function agentFrames(runId: string, seconds: number): Frame[] {
  const tracker = new HistDeltaTracker();
  const frames: Frame[] = [];
  const push = (record: FrameRecord, at: number) => {
    const delta = record.type === "hist" ? tracker.next(record) : undefined;
    frames.push({ runId, seq: frames.length + 1, at, record, ...(delta && delta !== record ? { delta } : {}) });
  };
  push({ type: "attached_probes", count: 2 }, START);
  for (let s = 1; s <= seconds; s += 1) {
    const at = START + s * 1000;
    const usecs = log2([2 * s, 600 * s, 14 * s, 5 * s, s, 0, s > 5 ? s - 5 : 0, 1, 0, 0, 1, "9007199254740993"]);
    push(
      {
        type: "hist",
        map: "@usecs",
        series: [
          {
            key: null,
            buckets: usecs,
            total: usecs.reduce<number | string>((sum, b) => (typeof b.count === "string" || typeof sum === "string" ? String(BigInt(sum) + BigInt(b.count)) : sum + b.count), 0),
          },
        ],
      },
      at,
    );
    const comms = ["bash", "sshd", "postgres", s % 3 === 0 ? "kworker/0:1" : "node"];
    push(
      {
        type: "hist",
        map: "@by_comm",
        series: comms.map((key, i) => {
          const buckets = log2([i * s, s, 0, i]);
          return { key, buckets, total: buckets.reduce((sum, b) => sum + Number(b.count), 0) };
        }),
      },
      at,
    );
    push({ type: "printf", text: `tick ${s} café ✓\n` }, at + 1);
    push({ type: "map", map: "@calls", entries: comms.map((key, i) => ({ key, value: s * (i + 1) })) }, at + 2);
    if (s % 2 === 0) push(overhead(s), at + 3);
  }
  push({ type: "lost_events", count: "72057594037927935" }, START + (seconds + 1) * 1000);
  return frames;
}

const json = (frames: Frame[]) => frames.map((frame) => JSON.stringify(frame));

async function everyFrame(runId: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of streamRunFrames(t.db, runId, 7)) frames.push(frame);
  return frames;
}

describe("frame storage", () => {
  it("reads back exactly what was stored, from every reader, with deltas derived from earlier batches", async () => {
    const runId = await newRun();
    const sent = agentFrames(runId, 20);
    // Batches as an agent sends them at 1 Hz: a second's frames at a time.
    for (let i = 0; i < sent.length;) {
      const batch = sent.slice(i, i + 1 + (i % 4));
      expect(await insertFrames(t.db, runId, batch)).toBe(batch.length);
      i += batch.length;
    }
    expect(json(await listFrames(t.db, runId, { afterSeq: 0, limit: 10_000 }))).toEqual(json(sent));
    expect(json(await everyFrame(runId))).toEqual(json(sent));
    // A page that starts after a map's previous print still has its deltas.
    expect(json(await listFrames(t.db, runId, { afterSeq: 33, limit: 11 }))).toEqual(json(sent.slice(33, 44)));
    expect(json(await listLatestFrames(t.db, runId, 9))).toEqual(json(sent.slice(-9)));
    expect(sent.filter((frame) => frame.delta).length).toBeGreaterThan(20);

    const run = await t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { lastSeq: true } });
    expect(run.lastSeq).toBe(sent.length);
  });

  it("finds a map's prints for comparisons, within a time range, and the maps a run printed", async () => {
    const runId = await newRun();
    const sent = agentFrames(runId, 10);
    await insertFrames(t.db, runId, sent);
    const usecs = sent.filter((frame) => frame.record.type === "hist" && frame.record.map === "@usecs");
    expect(json(await listHistFramesOfMap(t.db, runId, "@usecs"))).toEqual(json(usecs));
    const ranged = await listHistFramesOfMap(t.db, runId, "@usecs", { from: new Date(START + 4000), to: new Date(START + 6000) });
    expect(json(ranged)).toEqual(json(usecs.filter((frame) => frame.at >= START + 4000 && frame.at <= START + 6000)));
    expect(await listHistFramesOfMap(t.db, runId, "@calls")).toEqual([]);
    expect(await listHistMapNames(t.db, [runId, await newRun()])).toEqual(["@by_comm", "@usecs"]);
  });

  it("stores each (run, seq) once: resent batches, overlapping batches and repeats inside a batch", async () => {
    const runId = await newRun();
    const sent = agentFrames(runId, 6);
    expect(await insertFrames(t.db, runId, sent.slice(0, 10))).toBe(10);
    expect(await insertFrames(t.db, runId, sent.slice(0, 10))).toBe(0);
    expect(await insertFrames(t.db, runId, sent.slice(5, 15))).toBe(5);
    // A resend can never change what was stored, even if it differs.
    const changed = sent.slice(0, 3).map((frame) => ({ ...frame, record: { type: "printf", text: "not what was sent first" } as FrameRecord }));
    expect(await insertFrames(t.db, runId, [...changed, sent[15]!, sent[15]!, sent[16]!])).toBe(2);
    // Out of order inside a batch: stored by seq.
    expect(await insertFrames(t.db, runId, [...sent.slice(17)].reverse())).toBe(sent.length - 17);
    expect(json(await everyFrame(runId))).toEqual(json(sent));
  });

  it("stores concurrent, overlapping batches of one run: every seq once, every name numbered once", async () => {
    const runId = await newRun();
    const sent = agentFrames(runId, 30);
    const batches = Array.from({ length: Math.ceil(sent.length / 10) }, (_, i) => sent.slice(i * 10, i * 10 + 25));
    const stored = await Promise.all(batches.map((batch) => insertFrames(t.db, runId, batch)));
    expect(stored.reduce((a, b) => a + b, 0)).toBe(sent.length);
    expect(json(await everyFrame(runId))).toEqual(json(sent));
    const names = await t.db.frameName.findMany({ where: { run: { id: runId } }, select: { kind: true, text: true } });
    expect(new Set(names.map((name) => `${name.kind}:${name.text}`)).size).toBe(names.length);
  });

  it("stores a run's batches from two processes that each know only what they stored themselves", async () => {
    // The realtime server and Next's route handlers are separate module graphs, each with its own client and memory.
    const other = createDbClient(t.url);
    try {
      const runId = await newRun();
      const sent = agentFrames(runId, 12);
      for (let i = 0; i < sent.length; i += 3) {
        const batch = sent.slice(i, i + 5); // overlapping: every batch resends two frames of the one before
        await insertFrames(i % 2 === 0 ? t.db : other, runId, batch);
      }
      expect(json(await everyFrame(runId))).toEqual(json(sent));
      const fromOther: Frame[] = [];
      for await (const frame of streamRunFrames(other, runId)) fromOther.push(frame);
      expect(json(fromOther)).toEqual(json(sent));
    } finally {
      await other.$disconnect();
    }
  });

  it("stores a delta that cannot be derived (the previous print was lost) and still reads it back", async () => {
    const runId = await newRun();
    const sent = agentFrames(runId, 8);
    const lost = new Set([6, 7, 8, 9, 10]);
    const kept = sent.filter((frame) => !lost.has(frame.seq));
    await insertFrames(t.db, runId, kept);
    expect(json(await everyFrame(runId))).toEqual(json(kept));
  });

  it("stores nothing for a run that does not exist", async () => {
    expect(await insertFrames(t.db, "no-such-run", agentFrames("no-such-run", 1))).toBe(0);
    expect(await listFrames(t.db, "no-such-run", { afterSeq: 0, limit: 10 })).toEqual([]);
  });

  it("takes under a tenth of the old layout's space (a JSONB row per frame) for the frames of a real program", async () => {
    const runId = await newRun();
    const sent = agentFrames(runId, 60);
    await insertFrames(t.db, runId, sent);
    const [compact] = await t.db.$queryRaw<{ bytes: number }[]>`
      SELECT sum(pg_column_size(f.*))::int AS bytes FROM "Frame" f JOIN "Run" r ON r."frameKey" = f."runKey" WHERE r."id" = ${runId}`;
    const [old] = await t.db.$queryRaw<{ bytes: number }[]>`
      SELECT sum(pg_column_size(ROW(${runId}::text, f.seq, to_timestamp(f.at / 1000.0)::timestamp(3), f.record->>'type', f.record, f.delta)))::int AS bytes
      FROM jsonb_to_recordset(${JSON.stringify(sent)}::jsonb) AS f(seq int, at bigint, record jsonb, delta jsonb)`;
    expect(compact!.bytes).toBeLessThan(old!.bytes / 10);
  });
});
