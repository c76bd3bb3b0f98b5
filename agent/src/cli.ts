import { parseArgs } from "node:util";
import { AGENT_EXIT_CODES, AgentError } from "./errors.ts";
import { AGENT_VERSION } from "./agent.ts";
import { RUN_FLAGS, type RunFlag } from "./config.ts";
import { REPLAY_USAGE, parseReplayArgs } from "./commands/replay-arguments.ts";

const USAGE = `workbench-agent ${AGENT_VERSION}: runs approved, signed bpftrace programs on this host.

Usage:
  workbench-agent enroll --server URL --token TOKEN --credential-file FILE [--host NAME] [--label k=v ...] [--force]
                                         labels are the token's (the admin's); --label proposes more, only if the token allows it
  workbench-agent run [options]          the daemon (needs root for bpftrace)
  workbench-agent verify ENVELOPE --public-key FILE [--host NAME] [--now ISO-8601]
  workbench-agent parse                  bpftrace -f json output on stdin -> records on stdout
  workbench-agent lint FILE [--json] [--policy FILE]
                                         the policy lint: exit 0 when the program may run, 1 when not
${REPLAY_USAGE}
  workbench-agent --help | --version

Options of run (each also read from the environment variable shown):
${Object.entries(RUN_FLAGS)
  .map(([flag, { env, help }]) => `  --${flag.padEnd(22)} ${help}\n  ${"".padEnd(24)} (${env})`)
  .join("\n")}

Exit status: 0 ok, ${AGENT_EXIT_CODES.USAGE} usage, ${AGENT_EXIT_CODES.REFUSED} refused, ${AGENT_EXIT_CODES.UNAVAILABLE} unavailable, ${AGENT_EXIT_CODES.CONFIG} configuration.
`;

function usageError(message: string): never {
  throw new AgentError("USAGE", `${message}\nRun workbench-agent --help for usage.`);
}

/** parseArgs throws plain errors for unknown or malformed flags; report them as usage errors. */
function withUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    usageError((error as Error).message);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return command ? 0 : AGENT_EXIT_CODES.USAGE;
  }
  if (command === "--version") {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  switch (command) {
    case "run": {
      const options = Object.fromEntries(Object.keys(RUN_FLAGS).map((flag) => [flag, flag === "public-key" ? { type: "string", multiple: true } : { type: "string" }])) as Record<
        RunFlag,
        { type: "string"; multiple?: boolean }
      >;
      const { values } = withUsage(() => parseArgs({ args: rest, options, strict: true }));
      const { runCommand } = await import("./commands/run.ts");
      return runCommand(values as Partial<Record<RunFlag, string | string[]>>);
    }
    case "enroll": {
      const { values } = withUsage(() =>
        parseArgs({
          args: rest,
          strict: true,
          options: {
            server: { type: "string" },
            token: { type: "string" },
            host: { type: "string" },
            label: { type: "string", multiple: true },
            // The comma-separated form of earlier versions.
            labels: { type: "string" },
            "credential-file": { type: "string" },
            force: { type: "boolean" },
          },
        }),
      );
      const server = values.server ?? process.env.WORKBENCH_SERVER_URL;
      const token = values.token ?? process.env.WORKBENCH_ENROLLMENT_TOKEN;
      const credentialFile = values["credential-file"] ?? process.env.WORKBENCH_AGENT_CREDENTIAL_FILE;
      if (!server || !token || !credentialFile) usageError("enroll needs --server, --token and --credential-file");
      const { enrollCommand } = await import("./commands/enroll.ts");
      const os = await import("node:os");
      await enrollCommand(
        {
          server,
          token,
          credentialFile,
          host: values.host ?? process.env.WORKBENCH_HOST_NAME ?? os.hostname(),
          labels: [...(values.label ?? []), ...(values.labels ?? "").split(",")].map((label) => label.trim()).filter(Boolean),
          force: values.force ?? false,
        },
        process.stdout,
      );
      return 0;
    }
    case "verify": {
      const { values, positionals } = withUsage(() =>
        parseArgs({
          args: rest,
          strict: true,
          allowPositionals: true,
          options: { "public-key": { type: "string", multiple: true }, host: { type: "string" }, now: { type: "string" } },
        }),
      );
      if (positionals.length !== 1) usageError("verify takes one envelope file");
      const keys = (values["public-key"] ?? []).flatMap((k) => k.split(",")).filter(Boolean);
      if (keys.length === 0) usageError("verify needs --public-key FILE");
      const now = values.now ? new Date(values.now) : new Date();
      if (Number.isNaN(now.getTime())) usageError(`--now ${values.now} is not an ISO-8601 time`);
      const { verifyCommand } = await import("./commands/verify.ts");
      verifyCommand({ envelopeFile: positionals[0]!, publicKeyFiles: keys, host: values.host, now }, process.stdout);
      return 0;
    }
    case "parse": {
      withUsage(() => parseArgs({ args: rest, strict: true, options: {} }));
      const { parseCommand } = await import("./commands/parse.ts");
      return parseCommand({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    }
    case "lint": {
      const { values, positionals } = withUsage(() =>
        parseArgs({ args: rest, strict: true, allowPositionals: true, options: { json: { type: "boolean" }, policy: { type: "string" } } }),
      );
      if (positionals.length !== 1) usageError("lint takes one program file");
      const { lintCommand } = await import("./commands/lint.ts");
      return lintCommand({ file: positionals[0]!, json: values.json ?? false, policyFile: values.policy }, process.stdout);
    }
    case "replay": {
      const { replayCommand } = await import("./commands/replay.ts");
      await replayCommand(parseReplayArgs(rest, process.env), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
      return 0;
    }
    default:
      usageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof AgentError) {
      process.stderr.write(`workbench-agent: ${error.message}\n`);
      process.exitCode = AGENT_EXIT_CODES[error.code];
    } else {
      process.stderr.write(`workbench-agent: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = AGENT_EXIT_CODES.INTERNAL;
    }
  },
);
