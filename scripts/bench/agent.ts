// npm run bench:agent: how light the agent is, measured on this machine, and
// printed (a benchmark, not a test: figures vary with the machine and its load).
//
// 1. Parse throughput of recorded bpftrace output (MB/s) beside a bare
//    JSON.parse of the same lines, in the same process and run: the parser
//    bundled as the agent is (the target), and from its sources via tsx.
// 2. The agent's RSS and CPU while it streams 10 histogram frames a second of
//    a real bpftrace run to the real server (the bundled agent, plain Node).
// 3. The time from an approval to the agent's bpftrace attached, beside
//    bpftrace's own start-up for the same program.
//
// Needs root (bpftrace) and PostgreSQL at TEST_DATABASE_ADMIN_URL (default
// postgresql://postgres@127.0.0.1:5432/postgres); creates and drops a database.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { OutputParser } from "@/lib/shared/bpftrace/parse-output.ts";
import type { OverheadRecord } from "@/lib/shared/frame.ts";
import { createDbClient, setDb, type Db } from "@/lib/server/db/client.ts";
import { listLatestFrames } from "@/lib/server/frames/frame-reads.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { AGENT_BUNDLE, PROJECT_ROOT, buildAgentBundle, bundleLikeTheAgent } from "../build-agent-bundle.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey } from "../../test/factories.ts";
import { startRealtimeServer } from "../../test/realtime-server.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { clockTicksPerSecond, findBpfProgramFds, readProcStat } from "../../agent/src/proc.ts";

const FIXTURES = path.join(PROJECT_ROOT, "lib/shared/bpftrace/fixtures/v0.17");
const STREAM_SECONDS = Number(process.env.BENCH_STREAM_SECONDS ?? 30);
const ATTACH_ROUNDS = Number(process.env.BENCH_ATTACH_ROUNDS ?? 5);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const say = (line = "") => process.stdout.write(line + "\n");

// ---- 1. parse throughput --------------------------------------------------

// Histograms (keyed and not), scalar maps, printf floods with lost events: what runs print.
const MIXED_OUTPUT = ["syscall-latency-interval", "hist-keyed", "hist-unkeyed", "lhist", "aggregations", "lost-events", "printf-time", "keys-with-spaces"];
// Only map prints, which never take the printf shortcut of parse-output.ts.
const MAP_OUTPUT = ["syscall-latency-interval", "hist-keyed", "hist-unkeyed", "lhist", "aggregations", "keys-with-spaces"];

function recordedOutput(names: string[], targetBytes: number): Buffer {
  const sample = Buffer.concat(names.map((name) => fs.readFileSync(path.join(FIXTURES, `${name}.jsonl`))));
  const copies = Math.ceil(targetBytes / sample.length);
  return Buffer.concat(Array.from({ length: copies }, () => sample));
}

type ParserClass = typeof OutputParser;

/**
 * The parser timed twice: from a bundle built exactly as the agent's (what
 * hosts run, `npm run build:agent`), and from the TypeScript sources through
 * tsx (`npx workbench-agent`), whose module wrappers cost a few percent.
 */
async function loadBundledParser(): Promise<ParserClass> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bench-parser-"));
  try {
    const { outfile } = await bundleLikeTheAgent(path.join(PROJECT_ROOT, "lib/shared/bpftrace/parse-output.ts"), path.join(dir, "parse-output.mjs"));
    return ((await import(outfile)) as { OutputParser: ParserClass }).OutputParser;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type ParseFigures = { mb: number; bundledMBs: number; sourceMBs: number; bareMBs: number; reusedMBs: number; records: number };

function benchParse(Bundled: ParserClass, fixtures: string[]): ParseFigures {
  const input = recordedOutput(fixtures, 32 * 1024 * 1024);
  const mb = input.length / (1024 * 1024);
  const parserRound = (Parser: ParserClass) => {
    const parser = new Parser();
    let records = 0;
    const started = performance.now();
    for (let at = 0; at < input.length; at += 64 * 1024) records += parser.push(input.subarray(at, at + 64 * 1024)).length;
    records += parser.end().length;
    return { ms: performance.now() - started, records };
  };
  const parseLines = (lines: string[]) => {
    const started = performance.now();
    for (const line of lines) {
      if (line === "") continue;
      try {
        JSON.parse(line);
      } catch {
        // bpftrace's stderr lines in the recording are not JSON; the parser reports them too
      }
    }
    return performance.now() - started;
  };
  // The baseline: JSON.parse alone, timed, on the same lines made fresh for each round from the
  // same bytes (as a stream makes them); making them is not timed.
  const bareRound = () => parseLines(input.toString("utf8").split("\n"));
  // For reference: the same string objects parsed again and again, which V8 serves faster than any stream could.
  const reused = input.toString("utf8").split("\n");
  // Warm up, then interleave rounds so all see the same machine state.
  parserRound(Bundled);
  parserRound(OutputParser);
  bareRound();
  parseLines(reused);
  const bundledMs: number[] = [];
  const sourceMs: number[] = [];
  const bareMs: number[] = [];
  const reusedMs: number[] = [];
  let records = 0;
  for (let round = 0; round < 11; round++) {
    const parsed = parserRound(Bundled);
    records = parsed.records;
    bundledMs.push(parsed.ms);
    sourceMs.push(parserRound(OutputParser).ms);
    bareMs.push(bareRound());
    reusedMs.push(parseLines(reused));
  }
  return {
    mb,
    bundledMBs: mb / (median(bundledMs) / 1000),
    sourceMBs: mb / (median(sourceMs) / 1000),
    bareMBs: mb / (median(bareMs) / 1000),
    reusedMBs: mb / (median(reusedMs) / 1000),
    records,
  };
}

// ---- the workbench around the agent ----------------------------------------

/** The scratch database (bench-database.ts) with the Prisma client the use cases run on. */
async function createDatabase(): Promise<{ url: string; db: Db; drop(): Promise<void> }> {
  const database = await createBenchDatabase();
  const db = createDbClient(database.url);
  setDb(db);
  return {
    url: database.url,
    db,
    async drop() {
      await db.$disconnect();
      await database.drop();
    },
  };
}

type Agent = { child: ChildProcess; lines: { t: number; msg: string; [key: string]: unknown }[]; stop(): Promise<void> };

function startBundledAgent(options: { serverUrl: string; credential: string; publicKeyPem: string; hostName: string }): Agent {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bench-agent-"));
  fs.writeFileSync(path.join(dir, "credential"), options.credential, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, "key.pub.pem"), options.publicKeyPem, { mode: 0o644 });
  // BENCH_AGENT_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the agent.
  const nodeArgs = (process.env.BENCH_AGENT_NODE_OPTIONS ?? "").split(" ").filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      AGENT_BUNDLE,
      "run",
      "--server",
      options.serverUrl,
      "--credential-file",
      path.join(dir, "credential"),
      "--public-key",
      path.join(dir, "key.pub.pem"),
      "--host",
      options.hostName,
      "--state-dir",
      path.join(dir, "state"),
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { PATH: process.env.PATH } as unknown as NodeJS.ProcessEnv },
  );
  const lines: Agent["lines"] = [];
  let pending = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        const parsed = JSON.parse(line) as { t: string; msg: string };
        lines.push({ ...parsed, t: Date.parse(parsed.t) });
      } catch {
        // not a log line
      }
    }
  });
  return {
    child,
    lines,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function vmRssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
}

/**
 * Milliseconds from starting bpftrace to its BPF programs being loaded (their fds appear in /proc),
 * for the same program, without any agent: what the agent's "bpftrace attached" also marks.
 */
async function bpftraceStartupMs(source: string): Promise<number> {
  const started = performance.now();
  const child = spawn("bpftrace", ["-f", "json", "-e", source], { stdio: ["ignore", "ignore", "ignore"] });
  try {
    await until("bpftrace to load its programs", () => findBpfProgramFds(child.pid!).length > 0, 30_000);
    return performance.now() - started;
  } finally {
    child.kill("SIGKILL");
  }
}

const HIST_10_PER_SEC = `tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ { @usecs = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]); }
interval:ms:100 { print(@usecs); }
`;

async function main(): Promise<void> {
  say(`bench:agent on ${os.hostname()}, ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, Linux ${os.release()}`);
  say();

  const Bundled = await loadBundledParser();
  const parse = benchParse(Bundled, MIXED_OUTPUT);
  say("1. Parsing recorded bpftrace -f json output (v0.17 fixtures, repeated; medians of 11 interleaved rounds)");
  say(`   input                      ${parse.mb.toFixed(1)} MB, ${parse.records} records (histograms, maps, a printf flood)`);
  say(`   OutputParser, agent bundle ${parse.bundledMBs.toFixed(0)} MB/s (bytes in, records out: decoding, line splitting, record shapes)`);
  say(`   bare JSON.parse            ${parse.bareMBs.toFixed(0)} MB/s (only JSON.parse timed, on the same lines split fresh each round)`);
  say(`   ratio                      ${(parse.bundledMBs / parse.bareMBs).toFixed(2)} of bare JSON.parse (target >= 0.8)`);
  say(
    `   (the same parser from the TypeScript sources via tsx, as npx workbench-agent runs it: ${parse.sourceMBs.toFixed(0)} MB/s, ratio ${(parse.sourceMBs / parse.bareMBs).toFixed(2)})`,
  );
  say(`   (JSON.parse re-reading the very same strings: ${parse.reusedMBs.toFixed(0)} MB/s, ratio ${(parse.bundledMBs / parse.reusedMBs).toFixed(2)}; no stream gets that)`);
  const maps = benchParse(Bundled, MAP_OUTPUT);
  say(
    `   map prints alone           ${maps.bundledMBs.toFixed(0)} MB/s beside bare JSON.parse ${maps.bareMBs.toFixed(0)} MB/s, ratio ${(maps.bundledMBs / maps.bareMBs).toFixed(2)} (${maps.records} records, no printf shortcut)`,
  );
  say();

  if (process.env.BENCH_PARSE_ONLY) return;
  if (!fs.existsSync(AGENT_BUNDLE)) await buildAgentBundle();
  const database = await createDatabase();
  const key = testSigningKey();
  const server = await startRealtimeServer(database.db, database.url);
  const admin = await createUser(database.db, ["ADMIN"]);
  const engineer = await createUser(database.db, ["ENGINEER"]);
  const reviewer = await createUser(database.db, ["REVIEWER"]);
  const host = await enrollTestHost(database.db, admin);
  const agent = startBundledAgent({
    serverUrl: server.url,
    credential: host.credential,
    publicKeyPem: key.publicKey.export({ type: "spki", format: "pem" }).toString(),
    hostName: host.hostName,
  });
  const workload = spawn("python3", ["-c", "import time\nwhile True: time.sleep(0.001)"], { stdio: "ignore" });
  const approve = async (source: string, durationSec: number) => {
    const { revisionId } = await createProgram(database.db, engineer, { name: "bench", source, durationSec, targetHostIds: [host.hostId] }, { maxDurationSec: 3600 });
    const approvedAt = Date.now();
    const { runIds } = await reviewRevision(database.db, reviewer, revisionId, { decision: "approve", reason: "bench" }, reviewDeps(key));
    return { runId: runIds[0]!, approvedAt };
  };
  try {
    await until("the agent to connect", () => agent.lines.some((line) => line.msg === "connected to the server"));

    // ---- 3. approval to attach (first, on an idle agent) ----
    const totals: number[] = [];
    const startups: number[] = [];
    for (let round = 0; round < ATTACH_ROUNDS; round++) {
      const source = `// bench ${round} ${randomBytes(3).toString("hex")}\n${HIST_10_PER_SEC}`;
      startups.push(await bpftraceStartupMs(source));
      const { runId, approvedAt } = await approve(source, 2);
      const attached = await until("bpftrace to attach", () => agent.lines.find((line) => line.msg === "bpftrace attached" && line.runId === runId));
      totals.push(attached.t - approvedAt);
      await until("the run to end", () => agent.lines.find((line) => line.msg === "run ended" && line.runId === runId), 30_000);
    }

    // ---- 2. RSS and CPU while streaming 10 frames a second ----
    const { runId } = await approve(HIST_10_PER_SEC, STREAM_SECONDS + 15);
    await until("bpftrace to attach", () => agent.lines.find((line) => line.msg === "bpftrace attached" && line.runId === runId));
    await new Promise((resolve) => setTimeout(resolve, 5000)); // warm up
    const pid = agent.child.pid!;
    const hz = clockTicksPerSecond();
    const framesBefore = await database.db.frame.count({ where: { run: { id: runId } } });
    const before = readProcStat(pid)!;
    const startedAt = performance.now();
    const rss: number[] = [];
    while (performance.now() - startedAt < STREAM_SECONDS * 1000) {
      rss.push(vmRssKiB(pid));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const after = readProcStat(pid)!;
    const elapsedSec = (performance.now() - startedAt) / 1000;
    const framesAfter = await database.db.frame.count({ where: { run: { id: runId } } });
    const cpuPercent = ((after.utime + after.stime - before.utime - before.stime) / hz / elapsedSec) * 100;
    const measured = (await listLatestFrames(database.db, runId, 100)).findLast((frame) => frame.record.type === "overhead")?.record as OverheadRecord | undefined;

    say(`2. The agent (bundled, plain Node) streaming a real bpftrace run to the server, ${STREAM_SECONDS} s`);
    say(`   frames stored              ${((framesAfter - framesBefore) / elapsedSec).toFixed(1)} per second`);
    say(`   agent RSS                  median ${(median(rss) / 1024).toFixed(1)} MB, max ${(Math.max(...rss) / 1024).toFixed(1)} MB (target < 80 MB)`);
    say(`   agent CPU                  ${cpuPercent.toFixed(2)}% of one core (user+system, target < 1%)`);
    if (measured) {
      say(`   the run's own overhead     ${measured.cpuPercent}% of a CPU (BPF programs ${measured.bpfPercent}%, bpftrace ${measured.bpftracePercent}%), as the agent measured it`);
    }
    say();
    say("3. From approval to the agent's bpftrace attached");
    say(`   approval -> attached       median ${median(totals).toFixed(0)} ms (${totals.map((ms) => ms.toFixed(0)).join(", ")})`);
    say(`   bpftrace's own start-up    median ${median(startups).toFixed(0)} ms (${startups.map((ms) => ms.toFixed(0)).join(", ")})`);
    say(`   the workbench's part       ${(median(totals) - median(startups)).toFixed(0)} ms (target < 2000 ms plus bpftrace's start-up)`);
  } finally {
    workload.kill();
    await agent.stop();
    await server.close();
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:agent failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
