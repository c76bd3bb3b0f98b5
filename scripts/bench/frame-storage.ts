// What stored frames cost in PostgreSQL: today's layout (one "Frame" row per
// frame, the record and its delta as JSONB) against a compact layout (one row
// per histogram series per interval: the per-interval counts only, as a
// varint-encoded bytea over a bucket range; the cumulative print is their
// running sum). Inserts a few minutes of 100 hosts printing one histogram a
// second (plus the agent's overhead sample every 2 s) into a scratch database
// on TEST_DATABASE_ADMIN_URL, measures table and index sizes, and
// extrapolates to a week. Prints figures; asserts nothing.
//
//   npm run bench:frame-storage -- [--seconds 120] [--hosts 100]
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";

const { values } = parseArgs({ options: { seconds: { type: "string" }, hosts: { type: "string" } } });
const SECONDS = Number(values.seconds ?? 120);
const HOSTS = Number(values.hosts ?? 100);
const WEEK = 7 * 86_400;
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A latency histogram as the e2e run prints it: log2 buckets from 512 µs to 64 ms, cumulative. */
function histogram(second: number, host: number) {
  const shape = [2, 620, 14, 5, 2, 1, 1, 0, 1];
  const buckets = shape.map((perSecond, i) => {
    const min = 512 * 2 ** i;
    return { min, max: min * 2 - 1, count: Math.round(perSecond * second * (1 + ((host * 7 + i) % 5) / 20)) };
  });
  return { type: "hist", map: "@usecs", series: [{ key: null, buckets, total: buckets.reduce((s, b) => s + b.count, 0) }] };
}

function delta(second: number, host: number) {
  const now = histogram(second, host);
  const before = histogram(second - 1, host);
  now.series[0]!.buckets.forEach((b, i) => (b.count -= before.series[0]!.buckets[i]!.count));
  now.series[0]!.total = now.series[0]!.buckets.reduce((s, b) => s + b.count, 0);
  return now;
}

const overhead = { type: "overhead", windowSec: 5, cpuPercent: 0.31, bpfPercent: 0.12, bpftracePercent: 0.19, budgetPercent: 1, eventsPerSec: 1300, programs: [{ id: 1234, name: "tracepoint_sys", type: 5, events: 650, nsPerEvent: 380 }, { id: 1235, name: "tracepoint_sys", type: 5, events: 650, nsPerEvent: 410 }] };

/** Unsigned LEB128, zigzag-free: per-interval counts are never negative. */
function varints(counts: number[]): Buffer {
  const bytes: number[] = [];
  for (let value of counts) {
    do {
      let byte = value & 0x7f;
      value = Math.floor(value / 128);
      if (value > 0) byte |= 0x80;
      bytes.push(byte);
    } while (value > 0);
  }
  return Buffer.from(bytes);
}

async function main(): Promise<void> {
  const name = `wb_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    // Today's layout, as prisma/schema.prisma has it.
    await db.query(`CREATE TABLE "Frame" ("runId" text NOT NULL, seq int NOT NULL, at timestamp(3) NOT NULL, kind text NOT NULL, payload jsonb NOT NULL, delta jsonb, PRIMARY KEY ("runId", seq))`);
    // The compact layout: per-interval counts of each series; series named once.
    await db.query(`CREATE TABLE "HistSeries" (id serial PRIMARY KEY, "runId" text NOT NULL, map text NOT NULL, key text, axis jsonb NOT NULL, UNIQUE ("runId", map, key))`);
    await db.query(`CREATE TABLE "HistInterval" ("seriesId" int NOT NULL, seq int NOT NULL, at timestamp(3) NOT NULL, "firstBucket" smallint NOT NULL, counts bytea NOT NULL, PRIMARY KEY ("seriesId", seq))`);
    await db.query(`CREATE TABLE "RunSample" ("runId" text NOT NULL, seq int NOT NULL, at timestamp(3) NOT NULL, kind text NOT NULL, payload jsonb NOT NULL, PRIMARY KEY ("runId", seq))`);
    // Overhead samples as typed columns (the per-program breakdown left out: it is in the agent's log and the run's last sample).
    await db.query(`CREATE TABLE "OverheadSample" ("runId" text NOT NULL, seq int NOT NULL, at timestamp(3) NOT NULL, cpu real, bpf real, bpftrace real, budget real, events real, PRIMARY KEY ("runId", seq))`);

    const runs = Array.from({ length: HOSTS }, () => randomUUID());
    const start = Date.now();
    let histFrames = 0;
    let overheadFrames = 0;
    for (let host = 0; host < HOSTS; host += 1) {
      const runId = runs[host]!;
      const { rows } = await db.query<{ id: number }>(`INSERT INTO "HistSeries" ("runId", map, key, axis) VALUES ($1, '@usecs', NULL, $2) RETURNING id`, [runId, JSON.stringify({ log2: true })]);
      const seriesId = rows[0]!.id;
      const frameRows: unknown[][] = [];
      const intervalRows: unknown[][] = [];
      const sampleRows: unknown[][] = [];
      const typedRows: unknown[][] = [];
      let seq = 0;
      for (let second = 1; second <= SECONDS; second += 1) {
        const at = new Date(start + second * 1000);
        seq += 1;
        frameRows.push([runId, seq, at, "hist", JSON.stringify(histogram(second, host)), second > 1 ? JSON.stringify(delta(second, host)) : null]);
        const interval = second > 1 ? delta(second, host) : histogram(second, host);
        // log2 bucket index of 512 is 10 (bucket k holds [2^(k-1), 2^k)).
        intervalRows.push([seriesId, seq, at, 10, varints(interval.series[0]!.buckets.map((b) => b.count))]);
        histFrames += 1;
        if (second % 2 === 0) {
          seq += 1;
          frameRows.push([runId, seq, at, "overhead", JSON.stringify(overhead), null]);
          sampleRows.push([runId, seq, at, "overhead", JSON.stringify(overhead)]);
          typedRows.push([runId, seq, at, overhead.cpuPercent, overhead.bpfPercent, overhead.bpftracePercent, overhead.budgetPercent, overhead.eventsPerSec]);
          overheadFrames += 1;
        }
      }
      const insert = async (table: string, columns: string[], rowsToInsert: unknown[][]) => {
        for (let i = 0; i < rowsToInsert.length; i += 500) {
          const chunk = rowsToInsert.slice(i, i + 500);
          const placeholders = chunk.map((row, r) => `(${row.map((_, c) => `$${r * row.length + c + 1}`).join(",")})`).join(",");
          await db.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(",")}) VALUES ${placeholders}`, chunk.flat());
        }
      };
      await insert("Frame", ["runId", "seq", "at", "kind", "payload", "delta"], frameRows);
      await insert("HistInterval", ["seriesId", "seq", "at", "firstBucket", "counts"], intervalRows);
      await insert("RunSample", ["runId", "seq", "at", "kind", "payload"], sampleRows);
      await insert("OverheadSample", ["runId", "seq", "at", "cpu", "bpf", "bpftrace", "budget", "events"], typedRows);
    }
    await db.query("VACUUM ANALYZE");
    const size = async (table: string) => Number((await db.query<{ size: string }>(`SELECT pg_total_relation_size('"${table}"') AS size`)).rows[0]!.size);
    const frameBytes = await size("Frame");
    const compactBytes = (await size("HistInterval")) + (await size("HistSeries")) + (await size("RunSample"));
    const histOnlyFrame = Number((await db.query<{ b: string }>(`SELECT avg(pg_column_size(t.*)) AS b FROM "Frame" t WHERE kind = 'hist'`)).rows[0]!.b);
    const histOnlyCompact = Number((await db.query<{ b: string }>(`SELECT avg(pg_column_size(t.*)) AS b FROM "HistInterval" t`)).rows[0]!.b);

    const intervalBytes = (await size("HistInterval")) + (await size("HistSeries"));
    const sampleBytes = await size("RunSample");
    const typedBytes = await size("OverheadSample");
    const frames = histFrames + overheadFrames;
    const weekFactor = (HOSTS * WEEK) / (HOSTS * SECONDS);
    const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
    process.stdout.write(
      [
        `frame storage: ${HOSTS} hosts x ${SECONDS} s at 1 Hz (one @usecs histogram of 9 log2 buckets per second, an overhead sample every 2 s): ${frames} frames`,
        `  current layout ("Frame", JSONB record + delta): ${(frameBytes / frames).toFixed(0)} bytes/frame incl. index and TOAST; hist row ${histOnlyFrame.toFixed(0)} bytes`,
        `  compact layout ("HistInterval" varint bytea of per-interval counts + overhead rows): ${(compactBytes / frames).toFixed(0)} bytes/frame; hist row ${histOnlyCompact.toFixed(0)} bytes`,
        `    of which histograms ${(intervalBytes / histFrames).toFixed(0)} bytes/interval, overhead samples (still JSONB) ${(sampleBytes / overheadFrames).toFixed(0)} bytes/sample`,
        `  a week of ${HOSTS} hosts at 1 Hz: current ${gib(frameBytes * weekFactor)}, compact ${gib(compactBytes * weekFactor)} (x${(frameBytes / compactBytes).toFixed(1)} smaller);` +
          ` histograms alone ${gib(intervalBytes * weekFactor)}, overhead samples ${gib(sampleBytes * weekFactor)}`,
        `  overhead samples as typed columns: ${(typedBytes / overheadFrames).toFixed(0)} bytes/sample, a week ${gib(typedBytes * weekFactor)}; compact histograms + typed samples: ${gib((intervalBytes + typedBytes) * weekFactor)} a week`,
        "",
      ].join("\n"),
    );
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
