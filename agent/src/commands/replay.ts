// `workbench-agent replay FILE --server URL`: uploads a recorded
// `bpftrace -f json` capture (from a lab box or an air-gapped host) as a
// replay run, so it can be watched and compared like any run. It is never
// live data from a host: the server marks it as a replay uploaded by this
// user, and it needs no agent credential, only the user's API token with the
// replays:upload scope (created on the account page; WORKBENCH_TOKEN or
// --token-file), sent as `Authorization: Bearer`.

import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { HistDeltaTracker } from "@/lib/shared/bpftrace/deltas.ts";
import { OutputParser, type ParsedLine } from "@/lib/shared/bpftrace/parse-output.ts";
import type { HistRecord, OutputRecord } from "@/lib/shared/bpftrace/records.ts";
import { MAX_BATCH_BYTES, MAX_FRAMES_PER_BATCH } from "@/lib/shared/frame.ts";
import { HOST_NAME_PATTERN, MAX_PROGRAM_BYTES } from "@/lib/shared/input-limits.ts";
import { AgentError } from "../errors.ts";
import { mapsClearedBy } from "../run-supervisor.ts";

export const REPLAY_USAGE = `  workbench-agent replay FILE --server URL [--token-file FILE] [--name NAME] [--source-host HOST]
                         [--program FILE.bt] [--interval SEC] [--started-at ISO-8601] [--pace fast|realtime]
                                         upload a recorded bpftrace -f json capture as a replay run
                                         (API token with the scope replays:upload, from WORKBENCH_TOKEN
                                         or --token-file)`;

export type ReplayOptions = {
  file: string;
  server: string;
  token: string;
  name: string;
  sourceHost: string | undefined;
  programFile: string | undefined;
  intervalMs: number;
  startedAt: number | undefined;
  pace: "fast" | "realtime";
};

export type ReplayIo = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream & { isTTY?: boolean } };

function usage(message: string): never {
  throw new AgentError("USAGE", `${message}\nRun workbench-agent --help for usage.`);
}

/** Flags and environment into options; every problem is a usage error naming the flag. */
export function parseReplayArgs(args: string[], env: Readonly<Record<string, string | undefined>>): ReplayOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        server: { type: "string" },
        "token-file": { type: "string" },
        name: { type: "string" },
        "source-host": { type: "string" },
        program: { type: "string" },
        interval: { type: "string" },
        "started-at": { type: "string" },
        pace: { type: "string" },
      },
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usage("replay takes one capture file");
  const file = positionals[0]!;
  const server = values.server ?? env.WORKBENCH_SERVER_URL;
  if (!server) usage("replay needs --server URL (or WORKBENCH_SERVER_URL)");
  const token = readToken(values["token-file"], env);
  try {
    new URL(server);
  } catch {
    usage(`--server ${server} is not a URL`);
  }
  const intervalSec = values.interval === undefined ? 1 : Number(values.interval);
  if (!(intervalSec > 0 && intervalSec <= 3600)) usage(`--interval must be seconds between 0 and 3600, not ${values.interval}`);
  let startedAt: number | undefined;
  if (values["started-at"] !== undefined) {
    startedAt = Date.parse(values["started-at"]);
    if (Number.isNaN(startedAt)) usage(`--started-at ${values["started-at"]} is not an ISO-8601 time`);
  }
  const pace = values.pace ?? "fast";
  if (pace !== "fast" && pace !== "realtime") usage(`--pace is "fast" or "realtime", not ${pace}`);
  const sourceHost = values["source-host"];
  if (sourceHost !== undefined && !HOST_NAME_PATTERN.test(sourceHost)) usage(`--source-host ${JSON.stringify(sourceHost)} is not a host name`);
  return {
    file,
    server,
    token,
    name: values.name ?? path.basename(file),
    sourceHost,
    programFile: values.program,
    intervalMs: Math.round(intervalSec * 1000),
    startedAt,
    pace,
  };
}

/** The API token from --token-file (its first line) or WORKBENCH_TOKEN; never from a flag, where `ps` would show it. */
function readToken(tokenFile: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  let token = env.WORKBENCH_TOKEN;
  if (tokenFile !== undefined) {
    try {
      token = fs.readFileSync(tokenFile, "utf8").split("\n")[0]!.trim();
    } catch {
      usage(`cannot read --token-file ${tokenFile}`);
    }
  }
  if (!token) usage("replay needs an API token with the scope replays:upload: create one on your account page, then set WORKBENCH_TOKEN or pass --token-file FILE");
  return token;
}

// ---------------------------------------------------------------- laying the capture out in time

const MAP_RECORD_TYPES = new Set(["hist", "map", "stats", "tseries"]);

/** Interval number of each record, by the rule at the top of this file. */
export class ReplayClock {
  #tick = 0;
  #printedThisTick = new Set<string>();

  tickOf(record: OutputRecord): number {
    if (MAP_RECORD_TYPES.has(record.type)) {
      const map = (record as { map: string }).map;
      if (this.#tick === 0 || this.#printedThisTick.has(map)) {
        this.#tick += 1;
        this.#printedThisTick = new Set();
      }
      this.#printedThisTick.add(map);
    }
    return this.#tick;
  }
}

export type ReplayFrame = { seq: number; at: number; record: OutputRecord; delta?: HistRecord };

/** Frames of a capture, `at` relative to its start (ms); skipped lines counted. */
async function* readCapture(file: string, intervalMs: number, clearedMaps: Set<string>, onSkipped: (line: ParsedLine) => void): AsyncGenerator<ReplayFrame> {
  const parser = new OutputParser();
  const clock = new ReplayClock();
  const deltas = new HistDeltaTracker();
  let seq = 0;
  const frames = function* (lines: ParsedLine[]): Generator<ReplayFrame> {
    for (const line of lines) {
      if (line.kind !== "record") {
        onSkipped(line);
        continue;
      }
      const { record } = line;
      let delta: HistRecord | undefined;
      if (record.type === "hist" && !clearedMaps.has(record.map)) {
        const computed = deltas.next(record);
        if (computed !== record) delta = computed;
      }
      seq += 1;
      yield { seq, at: clock.tickOf(record) * intervalMs, record, ...(delta ? { delta } : {}) };
    }
  };
  for await (const chunk of fs.createReadStream(file)) yield* frames(parser.push(chunk as Buffer));
  yield* frames(parser.end());
}

// ---------------------------------------------------------------- talking to the server

type Session = { server: string; token: string };

async function request(session: Session, method: "GET" | "POST", route: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(new URL(route, session.server), {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), authorization: `Bearer ${session.token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new AgentError("UNAVAILABLE", `cannot reach ${session.server}: ${(error as Error).message}`);
  }
}

async function readError(response: Response): Promise<string> {
  const text = (await response.text()).slice(0, 4000);
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
  } catch {
    return text;
  }
}

/** POST with a few retries on network errors and 5xx; a 4xx is final (the server said why). */
async function post<T>(session: Session, route: string, body: unknown): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    let response: Response;
    try {
      response = await request(session, "POST", route, body);
    } catch (error) {
      if (attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      continue;
    }
    if (response.ok) return (await response.json()) as T;
    const message = await readError(response);
    if (response.status >= 500 && attempt < 4) {
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      continue;
    }
    const code = response.status === 401 || response.status === 403 ? "REFUSED" : response.status >= 500 ? "UNAVAILABLE" : "REFUSED";
    throw new AgentError(code, `the server refused ${route} (${response.status}): ${message}`);
  }
}

// ---------------------------------------------------------------- the command

export type ReplayResult = { runId: string; frames: number; skippedLines: number; url: string };

export async function replayCommand(options: ReplayOptions, io: ReplayIo): Promise<ReplayResult> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(options.file);
  } catch {
    throw new AgentError("USAGE", `cannot read ${options.file}`);
  }
  let program: string | undefined;
  if (options.programFile) {
    try {
      program = fs.readFileSync(options.programFile, "utf8");
    } catch {
      throw new AgentError("USAGE", `cannot read --program ${options.programFile}`);
    }
    if (Buffer.byteLength(program) > MAX_PROGRAM_BYTES) throw new AgentError("USAGE", `--program is larger than ${MAX_PROGRAM_BYTES / 1024} KiB`);
  }
  const clearedMaps = program ? mapsClearedBy(program) : new Set<string>();

  // Pass 1: how long the capture is (for the default start) and whether it holds anything.
  let lastAt = 0;
  let count = 0;
  for await (const frame of readCapture(options.file, options.intervalMs, clearedMaps, () => {})) {
    lastAt = frame.at;
    count += 1;
  }
  if (count === 0) throw new AgentError("USAGE", `${options.file} holds no bpftrace -f json records`);
  const startedAt = options.startedAt ?? Math.round(stat.mtimeMs) - lastAt;

  const session: Session = { server: options.server, token: options.token };
  const { runId } = await post<{ runId: string }>(session, "/api/replays", {
    name: options.name,
    startedAt,
    ...(options.sourceHost ? { sourceHost: options.sourceHost } : {}),
    ...(program !== undefined ? { program } : {}),
  });
  const url = new URL(`/runs/${runId}`, options.server).toString();
  io.stdout.write(`replay ${runId}: uploading ${count} frames of ${options.file}; watch it at ${url}\n`);

  // Pass 2: upload in batches of at most 500 frames and about 1 MiB, the agent's own batch limits.
  const uploadStart = Date.now();
  let skippedLines = 0;
  let batch: ReplayFrame[] = [];
  let batchBytes = 0;
  let sent = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await post(session, `/api/replays/${runId}/frames`, { frames: batch });
    sent += batch.length;
    batch = [];
    batchBytes = 0;
  };
  for await (const relative of readCapture(options.file, options.intervalMs, clearedMaps, (line) => {
    skippedLines += 1;
    if (line.kind === "skipped") io.stderr.write(`skipped line ${line.lineNumber} (${line.reason})\n`);
  })) {
    const frame = { ...relative, at: startedAt + relative.at };
    if (options.pace === "realtime") {
      // Send each interval when its time comes, as the host printed it.
      const due = uploadStart + relative.at;
      if (due > Date.now()) {
        await flush();
        await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
    }
    const bytes = Buffer.byteLength(JSON.stringify(frame));
    if (batch.length >= MAX_FRAMES_PER_BATCH || (batch.length > 0 && batchBytes + bytes > MAX_BATCH_BYTES)) await flush();
    batch.push(frame);
    batchBytes += bytes;
  }
  await flush();
  await post(session, `/api/replays/${runId}/end`, { endedAt: startedAt + lastAt, skippedLines });
  io.stdout.write(`replay ${runId}: ${sent} frames uploaded${skippedLines ? `, ${skippedLines} lines skipped` : ""}; ${url}\n`);
  return { runId, frames: sent, skippedLines, url };
}
