// `workbench-agent replay FILE --server URL`: uploads a recorded
// `bpftrace -f json` capture (from a lab box or an air-gapped host) as a
// replay run, so it can be watched and compared like any run. It is never
// live data from a host: the server marks it as a replay uploaded by this
// user, and it needs no agent credential, only the user's API token with the
// replays:upload scope (created on the account page; WORKBENCH_TOKEN or
// --token-file), sent as `Authorization: Bearer`.

// The command runs in order: the capture read once for its length
// (replay-capture.ts), the replay run created, its frames uploaded in batches
// and the run ended (replay-upload.ts); the options come from
// replay-arguments.ts.

import fs from "node:fs";
import { MAX_BATCH_BYTES, MAX_FRAMES_PER_BATCH } from "@/lib/shared/frame.ts";
import { MAX_PROGRAM_BYTES } from "@/lib/shared/input-limits.ts";
import { AgentError } from "../errors.ts";
import { mapsClearedBy } from "../run-supervisor.ts";
import type { ReplayIo, ReplayOptions } from "./replay-arguments.ts";
import { readCapture, type ReplayFrame } from "./replay-capture.ts";
import { post, type ReplaySession } from "./replay-upload.ts";

export type { ReplayIo, ReplayOptions } from "./replay-arguments.ts";

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

  const session: ReplaySession = { server: options.server, token: options.token };
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
