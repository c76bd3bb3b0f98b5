// The command line of `workbench-agent replay` (replay.ts): its usage text,
// and flags plus environment into options. The API token comes from
// WORKBENCH_TOKEN or --token-file, never from a flag, where `ps` would show it.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { HOST_NAME_PATTERN } from "@/lib/shared/input-limits.ts";
import { AgentError } from "../errors.ts";

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
