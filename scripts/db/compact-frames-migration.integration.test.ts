// The move to compact frame storage against the real PostgreSQL: frames
// stored in the old layout (a JSONB row per frame) before the upgrade read
// back afterwards exactly as the old readers gave them, comparisons still
// find their maps, and a run that was printing during the upgrade goes on,
// its new deltas derived from prints stored the old way.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { HistDeltaTracker } from "@/lib/shared/bpftrace/deltas.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import type { Frame, FrameRecord } from "@/lib/shared/frame.ts";
import { createDbClient, type Db } from "@/lib/server/db/client.ts";
import { listHistFramesOfMap, listHistMapNames, streamRunFrames } from "@/lib/server/frames/frame-history.ts";
import { describeFrameData } from "@/lib/server/frames/frame-codec.ts";
import { insertFrames } from "@/lib/server/frames/frame-store.ts";
import { listFrames } from "@/lib/server/frames/frame-reads.ts";
import { adminUrl, databaseUrl } from "@/test/database-url.ts";
import { applyMigrations } from "./migrations.ts";
import { MIGRATIONS_DIR } from "./schema-engine.ts";

const FIRST_COMPACT_MIGRATION = "20261127091205_compact_frames";
const name = `wb_mig_frames_${randomBytes(5).toString("hex")}`;
const url = databaseUrl(name);
const dirs: string[] = [];
let db: Db | undefined;

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = [], target = url): Promise<T[]> {
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The migrations directory as it was before compact frame storage. */
function migrationsBeforeCompactFrames(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-migrations-"));
  dirs.push(dir);
  for (const entry of fs.readdirSync(MIGRATIONS_DIR)) {
    if (entry >= FIRST_COMPACT_MIGRATION) continue;
    fs.cpSync(path.join(MIGRATIONS_DIR, entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

afterAll(async () => {
  await db?.$disconnect();
  await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, [], adminUrl());
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function cumulative(n: number): HistRecord {
  return {
    type: "hist",
    map: "@usecs",
    series: [
      {
        key: null,
        buckets: [
          { min: 512, max: 1023, count: 3 * n },
          { min: 1024, max: 2047, count: 100 * n },
          { min: 2048, max: 4095, count: "9007199254740993" },
        ],
        total: "9007199254741096",
      },
    ],
  };
}

describe("the compact frames migration", () => {
  it("moves frames stored the old way so that they read back as before, and their runs go on", async () => {
    await sql(`CREATE DATABASE ${name}`, [], adminUrl());
    await applyMigrations(url, migrationsBeforeCompactFrames());
    await sql(`INSERT INTO "User" (id, email, name, roles) VALUES ('u1', 'u1@example.test', 'U One', '{ENGINEER}')`);
    for (const runId of ["run-a", "run-b"]) {
      await sql(
        `INSERT INTO "Run" (id, kind, status, "expiresAt", "startedAt", "uploadedById", "replayName") VALUES ($1, 'REPLAY', 'RUNNING', now() + interval '1 day', now(), 'u1', 'x')`,
        [runId],
      );
    }
    // What an agent sent before the upgrade, stored the old way.
    const tracker = new HistDeltaTracker();
    const old: Frame[] = [];
    const at = Date.UTC(2026, 10, 27, 9, 0, 0);
    const add = (runId: string, record: FrameRecord, delta?: HistRecord) =>
      old.push({ runId, seq: old.filter((f) => f.runId === runId).length + 1, at: at + old.length * 1000, record, ...(delta ? { delta } : {}) });
    add("run-a", { type: "attached_probes", count: 1 });
    for (let n = 1; n <= 3; n += 1) {
      const print = cumulative(n);
      const delta = tracker.next(print);
      add("run-a", print, delta === print ? undefined : delta);
      add("run-a", {
        type: "map",
        map: "@calls",
        entries: [
          { key: "bash", value: n },
          { key: null, value: "72057594037927935" },
        ],
      });
    }
    add("run-b", { type: "printf", text: "café ✓\n" });
    for (const frame of old) {
      await sql(`INSERT INTO "Frame" ("runId", seq, at, kind, payload, delta) VALUES ($1, $2, $3, $4, $5, $6)`, [
        frame.runId,
        frame.seq,
        new Date(frame.at),
        frame.record.type,
        JSON.stringify(frame.record),
        frame.delta ? JSON.stringify(frame.delta) : null,
      ]);
    }
    // What the old readers gave: JSONB had already reordered the keys.
    const before = await sql<{ runId: string; seq: number; at: Date; payload: FrameRecord; delta: HistRecord | null }>(`SELECT * FROM "Frame" ORDER BY "runId", seq`);
    const readBefore = before.map((row) =>
      JSON.stringify({ runId: row.runId, seq: row.seq, at: row.at.getTime(), record: row.payload, ...(row.delta ? { delta: row.delta } : {}) }),
    );

    const applied = await applyMigrations(url);
    expect(applied.applied[0]).toBe(FIRST_COMPACT_MIGRATION);
    expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "Frame"`))[0]!.n).toBe(old.length);

    db = createDbClient(url);
    const after: Frame[] = [];
    for (const runId of ["run-a", "run-b"]) for await (const frame of streamRunFrames(db, runId)) after.push(frame);
    expect(after.map((frame) => JSON.stringify(frame))).toEqual(readBefore);
    expect(await listHistMapNames(db, ["run-a", "run-b"])).toEqual(["@usecs"]);
    expect(await listHistFramesOfMap(db, "run-a", "@usecs")).toHaveLength(3);

    // run-a goes on printing: its next delta is derived from the print stored the old way.
    const next = cumulative(4);
    const frame = { runId: "run-a", seq: 8, at: at + 60_000, record: next, delta: tracker.next(next) };
    expect(await insertFrames(db, "run-a", [frame])).toBe(1);
    const [stored] = await sql<{ data: Buffer }>(`SELECT data FROM "Frame" f JOIN "Run" r ON r."frameKey" = f."runKey" WHERE r.id = 'run-a' AND seq = 8`);
    expect(describeFrameData(stored!.data).delta).toBe("derived");
    expect(JSON.stringify((await listFrames(db, "run-a", { afterSeq: 7, limit: 1 }))[0])).toBe(JSON.stringify(frame));
  });
});
