// npm run bench:fleet: the live path under a fleet. N simulated agents on the
// real /agent protocol (enrolled through the API, real signed orders, one
// ~1.1 KB log2 hist frame per host per second) and V simulated viewers on
// /live watching every run, against the built server and PostgreSQL; then,
// in the same run and with the same client processes, a plain `ws` relay of
// the same bytes. Prints one row per load and system (README: "Fleet
// benchmark"). A benchmark, not a test: it asserts nothing.
//
//   npm run bench:fleet -- [--loads 50x5,500x10,2000x10] [--search] [--duration 30]
//     [--warmup 10] [--drain 15] [--processes 1] [--json FILE] [--no-relay]
//
// Needs the web build (bash scripts/setup/build-web.sh) and PostgreSQL at
// TEST_DATABASE_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
// creates a database and drops it at the end, Ctrl-C included.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { BenchContext, type BenchOptions } from "./fleet/context.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { serverEnvironment } from "./fleet/environment.ts";
import { details, markdownTable, meetsOneSecondP99 } from "./fleet/report.ts";
import { runLoad, type Load, type SystemResult } from "./fleet/run-load.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const say = (line = "") => process.stdout.write(line + "\n");

function usage(message: string): never {
  process.stderr.write(`bench:fleet: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    loads: { type: "string", default: "50x5,500x10,2000x10" },
    search: { type: "boolean", default: false },
    "search-viewers": { type: "string", default: "10" },
    "search-steps": { type: "string", default: "1000,2000,3000,5000,7000,10000" },
    "search-minutes": { type: "string", default: "30" },
    duration: { type: "string", default: "30" },
    warmup: { type: "string", default: "10" },
    drain: { type: "string", default: "15" },
    processes: { type: "string", default: "1" },
    "agents-per-process": { type: "string", default: "500" },
    "viewers-per-process": { type: "string", default: "5" },
    "watch-concurrency": { type: "string", default: "8" },
    "watch-timeout": { type: "string", default: "600" },
    "no-relay": { type: "boolean", default: false },
    json: { type: "string" },
  },
});

const positive = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) usage(`--${name} wants a whole number above 0, not ${JSON.stringify(text)}`);
  return value;
};
const parseLoad = (text: string): Load => {
  const match = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!match) usage(`a load is HOSTSxVIEWERS, e.g. 500x10, not ${JSON.stringify(text)}`);
  return { hosts: positive("loads", match[1]!), viewers: positive("loads", match[2]!) };
};

const loads = values.loads.trim() === "" ? [] : values.loads.split(",").map(parseLoad);
const options: BenchOptions = {
  warmupSec: positive("warmup", values.warmup),
  durationSec: positive("duration", values.duration),
  drainSec: positive("drain", values.drain),
  processes: positive("processes", values.processes),
  agentsPerProcess: positive("agents-per-process", values["agents-per-process"]),
  viewersPerProcess: positive("viewers-per-process", values["viewers-per-process"]),
  watchConcurrency: positive("watch-concurrency", values["watch-concurrency"]),
  watchTimeoutSec: positive("watch-timeout", values["watch-timeout"]),
};
const searchSteps = values["search-steps"].split(",").map((step) => positive("search-steps", step));
const searchViewers = positive("search-viewers", values["search-viewers"]);
const searchDeadline = Date.now() + positive("search-minutes", values["search-minutes"]) * 60_000;
if (loads.length === 0 && !values.search) usage("nothing to do: give --loads or --search");
if (!fs.existsSync(path.join(ROOT, ".next/BUILD_ID"))) usage("the web app is not built: run `bash scripts/setup/build-web.sh` first");

const results: SystemResult[] = [];
const environment = serverEnvironment();
const database = await createBenchDatabase("wb_bench_fleet");
const context = new BenchContext(options, database, environment.env);
context.onCleanup(() => environment.dispose());
context.onCleanup(() => database.drop());

let stopping = false;
const stop = async (why: string, code: number) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`bench:fleet: ${why}; cleaning up\n`);
  setTimeout(() => process.exit(code), 60_000).unref();
  await context.dispose();
  process.exit(code);
};
process.on("SIGINT", () => void stop("interrupted", 130));
process.on("SIGTERM", () => void stop("terminated", 143));

function printLoad(load: Load, rows: SystemResult[]): void {
  say();
  say(markdownTable(rows));
  say(details(rows));
}

async function measure(load: Load, relay: boolean): Promise<SystemResult[]> {
  say();
  say(`== ${load.hosts} hosts × ${load.viewers} viewers (${relay ? "product, then the plain ws relay" : "product"})`);
  const rows = await runLoad(context, load, { relay });
  results.push(...rows);
  printLoad(load, rows);
  return rows;
}

/**
 * The largest fleet whose viewers get 99% of the frames within 1 s: up the
 * ladder until a step fails, then a few halvings between the last pass and
 * the first failure, within the time budget.
 */
async function search(): Promise<{ largest: number; firstFailure: number | null }> {
  let largest = 0;
  let firstFailure: number | null = null;
  const step = async (hosts: number) => {
    const [product] = await measure({ hosts, viewers: searchViewers }, false);
    const passed = meetsOneSecondP99(product!);
    say(`search: ${hosts} hosts ${passed ? "holds" : "misses"} p99 <= 1 s`);
    return passed;
  };
  for (const hosts of searchSteps) {
    if (Date.now() > searchDeadline) break;
    if (await step(hosts)) largest = hosts;
    else {
      firstFailure = hosts;
      break;
    }
  }
  for (let halving = 0; halving < 3 && firstFailure !== null && Date.now() < searchDeadline; halving++) {
    const middle = Math.round((largest + firstFailure) / 2 / 50) * 50;
    if (middle <= largest || middle >= firstFailure) break;
    if (await step(middle)) largest = middle;
    else firstFailure = middle;
  }
  return { largest, firstFailure };
}

try {
  say(
    `bench:fleet on ${os.hostname()}: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}; ` +
      `${options.warmupSec} s warm-up, ${options.durationSec} s measured, up to ${options.drainSec} s drain; ${options.processes} server process(es); database ${database.name}`,
  );
  for (const load of loads) await measure(load, !values["no-relay"]);
  let verdict: Awaited<ReturnType<typeof search>> | undefined;
  if (values.search) verdict = await search();

  say();
  say("## All loads");
  say();
  say(markdownTable(results));
  if (verdict) {
    say();
    say(
      `Largest fleet with ${searchViewers} viewers at send→viewer p99 <= 1 s (99% of owed deliveries within 1 s): ` +
        `${verdict.largest === 0 ? "none of those tried" : `${verdict.largest} hosts`}` +
        `${verdict.firstFailure !== null ? ` (${verdict.firstFailure} hosts missed it)` : " (the ladder ran out or the time budget did)"}`,
    );
  }
  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ options, loads: results, search: verdict ?? null }, null, 2));
  await stop("done", 0);
} catch (error) {
  process.stderr.write(`bench:fleet failed: ${(error as Error).stack ?? String(error)}\n`);
  await stop("failed", 1);
}
