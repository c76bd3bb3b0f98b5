// What stored frames cost in PostgreSQL, and how fast they go in: the old
// layout (one row per frame keyed by the text run id, record and delta as
// JSONB) against the compact one (model Frame: integer run key, record and
// delta in frame-codec.ts's encoding, names once per run in FrameName).
//
// Into a scratch database on TEST_DATABASE_ADMIN_URL, migrated like a real
// one, it writes `--seconds` of `--hosts` hosts at 1 Hz, interleaved in time
// as agents send them: each host prints a 12-bucket log2 latency histogram a
// second (a running total, with the agent's per-interval delta) and the
// agent adds its overhead sample every 2 s. The compact layout is written
// through the real insert path (lib/server/data/frames.ts, one statement
// per agent batch, `--concurrency` batches at a time), the old one with the
// same rows in plain INSERTs. Sizes are pg_total_relation_size (heap, TOAST,
// indexes) after VACUUM, extrapolated to a week. Then a second set of runs
// prints one other kind of record each (a keyed histogram, a keyed count
// map, printf lines) for bytes per frame by kind (pg_column_size of the row,
// plus its line pointer and its share of the primary key index), and a bulk
// upload (500-frame batches) measures the other insert throughput. Prints
// figures; asserts nothing.
//
//   npm run bench:frame-storage -- [--seconds 120] [--hosts 100] [--concurrency 8]
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import { HistDeltaTracker } from "@/lib/shared/bpftrace/deltas.ts";
import type { HistBucket, HistRecord } from "@/lib/shared/bpftrace/records.ts";
import type { Frame, FrameRecord, OverheadRecord } from "@/lib/shared/frame.ts";
import { createDbClient, type Db } from "@/lib/server/db/client.ts";
import { describeFrameData } from "@/lib/server/frames/frame-codec.ts";
import { insertFrames } from "@/lib/server/frames/frame-store.ts";
import { createBenchDatabase } from "./bench-database.ts";

const { values } = parseArgs({ options: { seconds: { type: "string" }, hosts: { type: "string" }, concurrency: { type: "string" } } });
const SECONDS = Number(values.seconds ?? 120);
const HOSTS = Number(values.hosts ?? 100);
const CONCURRENCY = Number(values.concurrency ?? 8);
const WEEK = 7 * 86_400;
/** Running totals as in the middle of an hour-long run (WORKBENCH_MAX_DURATION_SEC's default), so counts have realistic widths. */
const RUN_SECONDS_BEFORE = 1800;
const START = Date.UTC(2026, 10, 27, 12, 0, 0);

// ---- the frames agents send ----

/** Per-second counts of a syscall latency histogram, 256 µs to 1 s in 12 log2 buckets. */
const LATENCY_SHAPE = [2, 40, 620, 310, 14, 5, 2, 1, 1, 0, 1, 1];
const COMMS = ["postgres", "nginx", "node", "java", "sshd", "systemd-journal", "kworker/u16:2", "containerd"];

function log2Buckets(perSecond: number[], seconds: number, variation: number): HistBucket[] {
  return perSecond.map((count, i) => ({ min: 256 * 2 ** i, max: 256 * 2 ** (i + 1) - 1, count: Math.round(count * seconds * (1 + ((variation + i) % 5) / 20)) }));
}

const histogram = (map: string, series: { key: string | null; buckets: HistBucket[] }[]): HistRecord => ({
  type: "hist",
  map,
  series: series.map(({ key, buckets }) => ({ key, buckets, total: buckets.reduce((sum, bucket) => sum + Number(bucket.count), 0) })),
});

function overhead(second: number): OverheadRecord {
  return {
    type: "overhead",
    windowSec: 5,
    cpuPercent: 0.3 + (second % 17) / 1000,
    bpfPercent: 0.121,
    bpftracePercent: 0.18 + (second % 17) / 1000,
    budgetPercent: 1,
    eventsPerSec: 1290 + (second % 23),
    programs: [
      { id: 1234, name: "tracepoint_raw_syscalls_sys_enter_1", type: 5, events: 650 + (second % 7), nsPerEvent: 380 },
      { id: 1235, name: "tracepoint_raw_syscalls_sys_exit_2", type: 5, events: 650 + (second % 7), nsPerEvent: 410 },
    ],
  };
}

type Kind = "hist" | "overhead" | "keyed hist" | "keyed count map" | "printf";

/** One host's run: what its agent sends each second, with deltas as HistDeltaTracker computes them. */
class AgentRun {
  readonly #tracker = new HistDeltaTracker();
  #seq = 0;
  constructor(
    readonly runId: string,
    readonly host: number,
    readonly kinds: Kind[],
  ) {}

  second(s: number): Frame[] {
    const seconds = RUN_SECONDS_BEFORE + s;
    const at = START + s * 1000;
    const records: FrameRecord[] = [];
    for (const kind of this.kinds) {
      if (kind === "hist") records.push(histogram("@usecs", [{ key: null, buckets: log2Buckets(LATENCY_SHAPE, seconds, this.host) }]));
      if (kind === "overhead" && s % 2 === 0) records.push(overhead(s));
      if (kind === "keyed hist")
        records.push(
          histogram(
            "@usecs_by_comm",
            COMMS.map((key, k) => ({
              key,
              buckets: log2Buckets(
                LATENCY_SHAPE.map((n) => Math.ceil(n / (k + 1))),
                seconds,
                this.host + k,
              ),
            })),
          ),
        );
      if (kind === "keyed count map") records.push({ type: "map", map: "@calls", entries: COMMS.map((key, k) => ({ key, value: Math.round((seconds * 977) / (k + 1)) })) });
      if (kind === "printf")
        records.push({
          type: "printf",
          text: `pid ${4000 + ((s * 7 + this.host) % 900)} comm ${COMMS[s % COMMS.length]} read ${(s * 131) % 4096} bytes in ${(s * 37) % 2000} us\n`,
        });
    }
    return records.map((record) => {
      const delta = record.type === "hist" ? this.#tracker.next(record) : undefined;
      this.#seq += 1;
      return { runId: this.runId, seq: this.#seq, at: at + records.indexOf(record), record, ...(delta && delta !== record ? { delta } : {}) };
    });
  }
}

// ---- the database ----

async function createRuns(client: pg.Client, count: number): Promise<string[]> {
  // Ids like a live run's (cuid, 25 characters); the old layout repeats one in every row and index entry.
  const ids = Array.from(
    { length: count },
    () =>
      `c${randomBytes(18)
        .toString("base64url")
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "0")
        .slice(0, 24)}`,
  );
  for (const id of ids) {
    await client.query(
      `INSERT INTO "Run" (id, kind, status, "expiresAt", "startedAt", "uploadedById", "replayName") VALUES ($1, 'REPLAY', 'RUNNING', now() + interval '1 day', now(), 'bench', 'bench')`,
      [id],
    );
  }
  return ids;
}

/** The old layout's rows for a batch, as its insert path wrote them (prisma/migrations/20261127072513_init, frame_deltas). */
async function insertOldLayout(client: pg.Client, frames: Frame[]): Promise<void> {
  const params = frames.flatMap((f) => [f.runId, f.seq, new Date(f.at), f.record.type, JSON.stringify(f.record), f.delta ? JSON.stringify(f.delta) : null]);
  const rows = frames.map((_, r) => `(${[1, 2, 3, 4, 5, 6].map((c) => `$${r * 6 + c}`).join(",")})`).join(",");
  await client.query(`INSERT INTO "OldFrame" ("runId", seq, at, kind, payload, delta) VALUES ${rows} ON CONFLICT DO NOTHING`, params);
}

/** Runs `work` over the items, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const database = await createBenchDatabase("wb_bench_frames");
  const url = database.url;
  let db: Db | undefined;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    db = createDbClient(url);
    await client.query(`INSERT INTO "User" (id, email, name, roles) VALUES ('bench', 'bench@example.test', 'Bench', '{ENGINEER}')`);
    await client.query(
      `CREATE TABLE "OldFrame" ("runId" text NOT NULL, seq int NOT NULL, at timestamp(3) NOT NULL, kind text NOT NULL, payload jsonb NOT NULL, delta jsonb, PRIMARY KEY ("runId", seq))`,
    );
    const size = async (...tables: string[]) => {
      let bytes = 0;
      for (const table of tables) bytes += Number((await client.query<{ size: string }>(`SELECT pg_total_relation_size('"${table}"') AS size`)).rows[0]!.size);
      return bytes;
    };

    // 1. The 1 Hz mix, through the real insert path.
    const runs = (await createRuns(client, HOSTS)).map((id, host) => new AgentRun(id, host, ["hist", "overhead"]));
    const seconds = Array.from({ length: SECONDS }, (_, i) => i + 1);
    const batches = seconds.map((s) => runs.map((run) => run.second(s)));
    const frames = batches.flat(2);
    const histFrames = frames.filter((f) => f.record.type === "hist").length;
    let started = performance.now();
    for (const second of batches) await pool(second, CONCURRENCY, (batch) => insertFrames(db!, batch[0]!.runId, batch));
    const liveMs = performance.now() - started;
    for (const second of batches) for (const batch of second) await insertOldLayout(client, batch);
    await client.query("VACUUM ANALYZE");
    const compactBytes = await size("Frame", "FrameName");
    const oldBytes = await size("OldFrame");
    // The first byte says how a frame is stored.
    const heads = await client.query<{ head: Buffer; n: string }>(`SELECT substring(data from 1 for 1) AS head, count(*) AS n FROM "Frame" GROUP BY 1`);
    const counted = (match: (form: ReturnType<typeof describeFrameData>) => boolean) =>
      heads.rows.filter((row) => match(describeFrameData(row.head))).reduce((sum, row) => sum + Number(row.n), 0);
    const derived = counted((form) => form.delta === "derived");
    const generic = counted((form) => form.record !== "compact");

    // 2. One kind of record per run, for bytes per frame by kind.
    const kinds: Kind[] = ["hist", "overhead", "keyed hist", "keyed count map", "printf"];
    const kindRuns = new Map<Kind, string[]>();
    for (const kind of kinds) {
      const ids = await createRuns(client, 10);
      kindRuns.set(kind, ids);
      const agents = ids.map((id, host) => new AgentRun(id, host, [kind]));
      for (let s = 1; s <= 60; s += 1) {
        for (const agent of agents) {
          const batch = agent.second(s);
          if (batch.length === 0) continue;
          await insertFrames(db, agent.runId, batch);
          await insertOldLayout(client, batch);
        }
      }
    }
    await client.query("VACUUM ANALYZE");
    const perRowIndex = async (index: string, table: string) =>
      Number((await client.query<{ b: string }>(`SELECT pg_relation_size('"${index}"')::float / greatest(1, (SELECT count(*) FROM "${table}")) AS b`)).rows[0]!.b);
    const compactIndex = await perRowIndex("Frame_pkey", "Frame");
    const oldIndex = await perRowIndex("OldFrame_pkey", "OldFrame");
    const byKind: string[] = [];
    for (const kind of kinds) {
      const ids = kindRuns.get(kind)!;
      const compact = await client.query<{ b: string }>(`SELECT avg(pg_column_size(f.*)) AS b FROM "Frame" f JOIN "Run" r ON r."frameKey" = f."runKey" WHERE r.id = ANY($1)`, [
        ids,
      ]);
      const old = await client.query<{ b: string }>(`SELECT avg(pg_column_size(f.*)) AS b FROM "OldFrame" f WHERE "runId" = ANY($1)`, [ids]);
      const compactRow = Number(compact.rows[0]!.b) + 4 + compactIndex;
      const oldRow = Number(old.rows[0]!.b) + 4 + oldIndex;
      byKind.push(`  ${kind.padEnd(16)} ${oldRow.toFixed(0).padStart(6)} ${compactRow.toFixed(0).padStart(9)}   x${(oldRow / compactRow).toFixed(1)}`);
    }

    // 3. Bulk: a replay upload, or an agent catching up after an outage.
    const bulk = (await createRuns(client, 10)).map((id, host) => new AgentRun(id, host, ["keyed hist", "printf"]));
    const uploads = bulk.map((run) => {
      const all = Array.from({ length: 1000 }, (_, i) => run.second(i + 1)).flat();
      return Array.from({ length: Math.ceil(all.length / 500) }, (_, i) => all.slice(i * 500, i * 500 + 500));
    });
    const bulkFrames = uploads.flat(2).length;
    started = performance.now();
    await pool(uploads, Math.min(CONCURRENCY, uploads.length), async (upload) => {
      for (const batch of upload) await insertFrames(db!, batch[0]!.runId, batch);
    });
    const bulkMs = performance.now() - started;

    const week = (bytes: number) => (bytes / (HOSTS * SECONDS)) * HOSTS * WEEK;
    const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
    process.stdout.write(
      [
        `frame storage: ${HOSTS} hosts x ${SECONDS} s at 1 Hz, each a 12-bucket log2 histogram a second (running total + delta) and an overhead sample every 2 s: ${frames.length} frames (${histFrames} histograms)`,
        `  old layout ("Frame" before compact_frames: text run id, JSONB record and delta): ${(oldBytes / frames.length).toFixed(0)} bytes/frame with indexes and TOAST; a week of ${HOSTS} hosts: ${gib(week(oldBytes))}`,
        `  compact layout (Frame + FrameName):                                        ${(compactBytes / frames.length).toFixed(0)} bytes/frame; a week: ${gib(week(compactBytes))} (x${(oldBytes / compactBytes).toFixed(1)} smaller); 14 days (the default retention): ${gib(2 * week(compactBytes))}`,
        `    ${derived} of ${histFrames - HOSTS} deltas derived, not stored; ${generic} frames stored as generic values`,
        `  insert throughput, real insert path, one statement per agent batch, ${CONCURRENCY} at a time: ${(frames.length / (liveMs / 1000)).toFixed(0)} frames/s (${((HOSTS * SECONDS) / (liveMs / 1000)).toFixed(0)} batches/s)`,
        `  insert throughput, 500-frame batches (keyed histogram + printf), ${Math.min(CONCURRENCY, uploads.length)} runs at a time: ${(bulkFrames / (bulkMs / 1000)).toFixed(0)} frames/s`,
        `  bytes per frame by kind (row + line pointer + primary key entry), 10 runs x 60 s each:`,
        `  ${"kind".padEnd(16)} ${"old".padStart(6)} ${"compact".padStart(9)}`,
        ...byKind,
        "",
      ].join("\n"),
    );
  } finally {
    await client.end().catch(() => {});
    await db?.$disconnect();
    await database.drop();
  }
}

await main();
