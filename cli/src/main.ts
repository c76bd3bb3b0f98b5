// `workbench`: the terminal client for people (README, "The terminal client").
// Parses the command line, runs one command, and turns its outcome into an
// exit status (cli-error.ts). Hosts run `workbench-agent`; this is for the
// people who write and watch programs.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { WorkbenchApi } from "./api.ts";
import { CliError, EXIT_CODES } from "./cli-error.ts";
import { loadCredentials, removeCredentials } from "./config.ts";
import type { Output } from "./output.ts";
import { exportCommand } from "./commands/export.ts";
import { launchCommand } from "./commands/launch.ts";
import { loginCommand } from "./commands/login.ts";
import { runbooksCommand } from "./commands/runbooks.ts";
import { isRunId, statusCommand } from "./commands/status.ts";
import { parseDuration, submitCommand } from "./commands/submit.ts";
import { watchCommand } from "./commands/watch.ts";

export const USAGE = `usage: workbench COMMAND [flags] [--json]

  login --server URL [--token-stdin]     keep an API token (from your account page) for the other commands
  logout                                 forget it
  submit FILE.bt (--hosts A,B | --selector SEL) --duration 30s [--name NAME]
                                         submit a program for review; lint findings print as FILE:LINE:COL
  status [RUN] [--state QUEUED|RUNNING|ENDED]
                                         list runs, or show one
  watch RUN                              the run's histograms as bpftrace prints them, with p50/p99, live
  export RUN [--format jsonl|csv]        the run's frames on stdout
  runbooks [--search TEXT]               approved runbooks: what they measure, until when, their parameters
  launch RUNBOOK [NAME=VALUE ...] (--hosts A,B | --all-in-scope) --duration 30s --reason TEXT [--incident ID] [--watch]
                                         launch a runbook (program id or name); unset parameters take their defaults

  --json        machine-readable output (watch: one JSON document per update)
  --server URL  another workbench than the one logged in to (also WORKBENCH_SERVER_URL)
  WORKBENCH_TOKEN overrides the saved token (for CI).

exit status: 0 ok, 1 refused by the server, 2 usage, 3 not logged in or token expired/revoked,
             4 not allowed (scope or role), 5 server unreachable or failing, 6 lint errors (submit),
             7 the watched run failed (watch, launch --watch)`;

type Env = Readonly<Record<string, string | undefined>>;
type Io = Output & { stdin: NodeJS.ReadableStream & { isTTY?: boolean } };

const COMMON = { json: { type: "boolean" }, server: { type: "string" }, help: { type: "boolean", short: "h" } } as const;

function parse<O extends ParseArgsConfig["options"]>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError("USAGE", `${(error as Error).message}\nRun workbench --help for usage.`);
  }
}

function runIdArgument(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new CliError("USAGE", `${command} takes one run id (\`workbench status\` lists them).`);
  if (!isRunId(positionals[0]!)) throw new CliError("USAGE", `${JSON.stringify(positionals[0])} is not a run id.`);
  return positionals[0]!;
}

export async function runCli(argv: string[], env: Env, io: Io): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes("--json");
  const out: Output = { json, stdout: io.stdout, stderr: io.stderr };
  try {
    if (!command || command === "--help" || command === "-h" || command === "help") {
      io.stdout.write(`${USAGE}\n`);
      return command ? 0 : EXIT_CODES.USAGE;
    }
    const api = (server?: string) => new WorkbenchApi(loadCredentials(env, server));
    switch (command) {
      case "login": {
        const { values } = parse(rest, { "token-stdin": { type: "boolean" } });
        const server = values.server ?? env.WORKBENCH_SERVER_URL;
        if (!server || !URL.canParse(server)) throw new CliError("USAGE", "login needs --server URL, the workbench's address (e.g. https://workbench.example.com).");
        await loginCommand({ server, tokenFromStdin: values["token-stdin"] === true }, env, io.stdin, out);
        return 0;
      }
      case "logout": {
        parse(rest, {});
        const removed = removeCredentials(env);
        if (json) io.stdout.write(`${JSON.stringify({ removed })}\n`);
        else io.stdout.write(removed ? "Logged out; the token is still valid until you revoke it on your account page.\n" : "Not logged in.\n");
        return 0;
      }
      case "submit": {
        const { values, positionals } = parse(rest, { hosts: { type: "string" }, selector: { type: "string" }, duration: { type: "string" }, name: { type: "string" } });
        if (positionals.length !== 1) throw new CliError("USAGE", "submit takes one program file (FILE.bt).");
        if (!values.duration) throw new CliError("USAGE", "submit needs --duration (e.g. 30s, 5m): how long a run may last.");
        const durationSec = parseDuration(values.duration);
        if (durationSec === null || durationSec < 1) throw new CliError("USAGE", `--duration ${values.duration} is not a duration (e.g. 30, 30s, 5m, 1h).`);
        const hosts = (values.hosts ?? "")
          .split(",")
          .map((h) => h.trim())
          .filter(Boolean);
        if (hosts.length === 0 && values.selector === undefined) throw new CliError("USAGE", "submit needs --hosts A,B or --selector SEL: where the program runs.");
        await submitCommand(api(values.server), { file: positionals[0]!, hosts, selector: values.selector, durationSec, name: values.name }, out);
        return 0;
      }
      case "status": {
        const { values, positionals } = parse(rest, { state: { type: "string" } });
        if (values.state !== undefined && !["QUEUED", "RUNNING", "ENDED"].includes(values.state)) throw new CliError("USAGE", "--state is QUEUED, RUNNING or ENDED.");
        const runId = positionals.length ? runIdArgument(positionals, "status") : undefined;
        await statusCommand(api(values.server), { runId, status: values.state }, out);
        return 0;
      }
      case "watch": {
        const { values, positionals } = parse(rest, {});
        await watchCommand(api(values.server), { runId: runIdArgument(positionals, "watch") }, out);
        return 0;
      }
      case "export": {
        const { values, positionals } = parse(rest, { format: { type: "string" } });
        const format = values.format ?? "jsonl";
        if (format !== "jsonl" && format !== "csv") throw new CliError("USAGE", "--format is jsonl or csv.");
        await exportCommand(api(values.server), { runId: runIdArgument(positionals, "export"), format }, out);
        return 0;
      }
      case "runbooks": {
        const { values, positionals } = parse(rest, { search: { type: "string" } });
        if (positionals.length > 0) throw new CliError("USAGE", "runbooks takes no arguments (--search TEXT narrows the list).");
        await runbooksCommand(api(values.server), { search: values.search }, out);
        return 0;
      }
      case "launch": {
        const { values, positionals } = parse(rest, {
          hosts: { type: "string" },
          "all-in-scope": { type: "boolean" },
          duration: { type: "string" },
          reason: { type: "string" },
          incident: { type: "string" },
          watch: { type: "boolean" },
        });
        const [runbook, ...assignments] = positionals;
        if (!runbook) throw new CliError("USAGE", "launch takes a runbook (its program id or name; `workbench runbooks` lists them), then NAME=VALUE for its parameters.");
        const hosts = (values.hosts ?? "")
          .split(",")
          .map((h) => h.trim())
          .filter(Boolean);
        const allInScope = values["all-in-scope"] === true;
        if (hosts.length > 0 === allInScope) throw new CliError("USAGE", "launch needs either --hosts A,B or --all-in-scope: where the runbook runs.");
        if (!values.duration) throw new CliError("USAGE", "launch needs --duration (e.g. 30s, 5m): how long the launch lasts.");
        const durationSec = parseDuration(values.duration);
        if (durationSec === null || durationSec < 1) throw new CliError("USAGE", `--duration ${values.duration} is not a duration (e.g. 30, 30s, 5m, 1h).`);
        if (!values.reason?.trim()) throw new CliError("USAGE", "launch needs --reason TEXT: why you launch it (it is audited and shown with the runs).");
        await launchCommand(
          api(values.server),
          { runbook, assignments, hosts, allInScope, durationSec, reason: values.reason, incidentId: values.incident, watch: values.watch === true },
          out,
        );
        return 0;
      }
      default:
        throw new CliError("USAGE", `Unknown command ${JSON.stringify(command)}.\nRun workbench --help for usage.`);
    }
  } catch (error) {
    if (!(error instanceof CliError)) {
      io.stderr.write(`workbench: unexpected error: ${(error as Error).message}\n`);
      return 70;
    }
    if (json) io.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    io.stderr.write(`workbench: ${error.message}\n`);
    return error.exitStatus;
  }
}
