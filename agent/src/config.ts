import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { HOST_NAME_PATTERN } from "@/lib/shared/input-limits.ts";
import { partialLintPolicySchema, type LintPolicy } from "@/lib/shared/policy/policy.ts";
import { AgentError } from "./errors.ts";
import { assertInstalledByRoot } from "./state-dir.ts";

// The daemon's settings: flags first, then WORKBENCH_* environment variables,
// then defaults. Parsed once at start; a bad value stops the agent with a
// message naming the flag.
export const RUN_FLAGS = {
  server: { env: "WORKBENCH_SERVER_URL", help: "URL of the workbench server, e.g. https://workbench.example.com" },
  "credential-file": { env: "WORKBENCH_AGENT_CREDENTIAL_FILE", help: "file holding this host's agent credential (from `enroll`)" },
  "public-key": { env: "WORKBENCH_PUBLIC_KEY_FILE", help: "the server's signing public key (PEM); repeat or comma-separate for several" },
  host: { env: "WORKBENCH_HOST_NAME", help: "this host's name as enrolled (default: the system host name)" },
  bpftrace: { env: "WORKBENCH_BPFTRACE", help: "path to bpftrace (default: found in PATH)" },
  setpriv: { env: "WORKBENCH_SETPRIV", help: "path to setpriv from util-linux (default: found in PATH)" },
  "max-concurrent-runs": { env: "WORKBENCH_MAX_CONCURRENT_RUNS", help: "runs at once on this host; further runs wait (default 4)" },
  "stop-grace-sec": { env: "WORKBENCH_STOP_GRACE_SEC", help: "seconds between SIGINT and SIGKILL when stopping bpftrace (default 5)" },
  "state-dir": { env: "WORKBENCH_AGENT_STATE_DIR", help: "where the agent keeps its trust set, used orders and frame spool; root only (default /var/lib/workbench-agent)" },
  "spool-max-mb": { env: "WORKBENCH_SPOOL_MAX_MB", help: "MiB of frames kept on disk while the server is unreachable (default 256)" },
  policy: { env: "WORKBENCH_AGENT_POLICY_FILE", help: "JSON file of policy lint settings that override the defaults on this host (optional)" },
  bpftool: { env: "WORKBENCH_BPFTOOL", help: "path to bpftool, to name BPF programs in overhead reports (default: found in PATH, optional)" },
  "dry-run-timeout-sec": { env: "WORKBENCH_DRY_RUN_TIMEOUT_SEC", help: "longest a dry-run compile may take (default 15)" },
  "stop-file": {
    env: "WORKBENCH_AGENT_STOP_FILE",
    help: "the local stop switch: while this file exists the agent stops its runs and refuses every order (default /etc/workbench-agent/stop)",
  },
  "offline-grace-sec": {
    env: "WORKBENCH_AGENT_OFFLINE_GRACE_SEC",
    help: "seconds without the server after which the agent is offline and gives up orders the server had not yet let it start (default 60)",
  },
} as const;

export type RunFlag = keyof typeof RUN_FLAGS;

const configSchema = z.object({
  server: z.url({ error: "must be a URL such as https://workbench.example.com" }),
  "credential-file": z.string().min(1),
  "public-key": z.array(z.string().min(1)).min(1),
  host: z.string().regex(HOST_NAME_PATTERN, "letters, digits, '.', '_' and '-', at most 63 characters"),
  bpftrace: z.string().min(1),
  setpriv: z.string().min(1),
  "max-concurrent-runs": z.coerce.number().int().min(1).max(64),
  "stop-grace-sec": z.coerce.number().min(0.1).max(120),
  "state-dir": z.string().min(1),
  "spool-max-mb": z.coerce.number().min(0.01).max(100_000),
  policy: z.string().min(1).optional(),
  bpftool: z.string().min(1),
  "dry-run-timeout-sec": z.coerce.number().min(1).max(120),
  "stop-file": z
    .string()
    .min(1)
    .refine((file) => path.isAbsolute(file), "must be an absolute path"),
  "offline-grace-sec": z.coerce.number().min(1).max(86_400),
});

export type AgentConfig = {
  serverUrl: string;
  credential: string;
  publicKeyFiles: string[];
  hostName: string;
  bpftracePath: string;
  setprivPath: string;
  maxConcurrentRuns: number;
  stopGraceMs: number;
  stateDir: string;
  spoolMaxBytes: number;
  /** Lint policy overrides of this host (validated against the policy schema), {} for the defaults. */
  policy: Partial<LintPolicy>;
  /** Null when bpftool is not installed: overhead reports then carry program ids without names. */
  bpftoolPath: string | null;
  dryRunTimeoutMs: number;
  /** The local stop switch (README, "The local stop switch"). */
  stopFile: string;
  offlineGraceMs: number;
};

/** Finds an executable in PATH, so the agent runs the same binary it reported at start. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ""): string | null {
  if (name.includes("/")) return fs.existsSync(name) ? path.resolve(name) : null;
  for (const dir of [...searchPath.split(":"), "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

export function readCredential(file: string): string {
  let stat: fs.Stats;
  let credential: string;
  try {
    stat = fs.statSync(file);
    credential = fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new AgentError("CONFIG", `cannot read the credential file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // The credential lets anyone act as this host: refuse a file others can read.
  if (stat.mode & 0o077) {
    throw new AgentError("CONFIG", `${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  if (!credential.startsWith("wba_")) throw new AgentError("CONFIG", `${file} does not hold an agent credential`);
  return credential;
}

/** The host's own policy: part of its trust root, so root-owned like the keys, and never sent by the server. */
export function readPolicyFile(file: string): Partial<LintPolicy> {
  let value: unknown;
  try {
    assertInstalledByRoot(file, "the policy file");
    value = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    if (error instanceof AgentError) throw error;
    throw new AgentError("CONFIG", `cannot read the policy file ${file}: ${(error as NodeJS.ErrnoException).code ?? "not JSON"}`);
  }
  const parsed = partialLintPolicySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentError("CONFIG", `the policy file ${file} is invalid: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

export function resolveRunConfig(flags: Partial<Record<RunFlag, string | string[]>>, env: NodeJS.ProcessEnv): AgentConfig {
  const pick = (flag: RunFlag) => flags[flag] ?? env[RUN_FLAGS[flag].env];
  const keys = pick("public-key");
  const raw = {
    server: pick("server"),
    "credential-file": pick("credential-file"),
    "public-key": (Array.isArray(keys) ? keys : keys ? [keys] : []).flatMap((k) => k.split(",")).filter(Boolean),
    host: pick("host") ?? os.hostname(),
    bpftrace: pick("bpftrace") ?? "bpftrace",
    setpriv: pick("setpriv") ?? "setpriv",
    "max-concurrent-runs": pick("max-concurrent-runs") ?? "4",
    "stop-grace-sec": pick("stop-grace-sec") ?? "5",
    "state-dir": pick("state-dir") ?? "/var/lib/workbench-agent",
    "spool-max-mb": pick("spool-max-mb") ?? "256",
    policy: pick("policy"),
    bpftool: pick("bpftool") ?? "bpftool",
    "dry-run-timeout-sec": pick("dry-run-timeout-sec") ?? "15",
    // Beside the keys, credential and agent.env: where an operator looks for the agent's configuration.
    "stop-file": pick("stop-file") ?? "/etc/workbench-agent/stop",
    "offline-grace-sec": pick("offline-grace-sec") ?? "60",
  };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const flag = String(issue.path[0]) as RunFlag;
      const source = RUN_FLAGS[flag] ? `--${flag} (or ${RUN_FLAGS[flag].env})` : flag;
      return `  ${source}: ${raw[flag as keyof typeof raw] === undefined ? "is required" : issue.message}`;
    });
    throw new AgentError("CONFIG", `invalid agent configuration:\n${lines.join("\n")}`);
  }
  const config = parsed.data;
  const bpftracePath = findExecutable(config.bpftrace);
  if (!bpftracePath) throw new AgentError("CONFIG", `bpftrace not found (${config.bpftrace}); install it or pass --bpftrace`);
  const setprivPath = findExecutable(config.setpriv);
  if (!setprivPath) {
    throw new AgentError("CONFIG", `setpriv not found (${config.setpriv}); it comes with util-linux and lets the kernel stop bpftrace if the agent dies`);
  }
  return {
    serverUrl: config.server,
    credential: readCredential(config["credential-file"]),
    publicKeyFiles: config["public-key"],
    hostName: config.host,
    bpftracePath,
    setprivPath,
    maxConcurrentRuns: config["max-concurrent-runs"],
    stopGraceMs: Math.round(config["stop-grace-sec"] * 1000),
    stateDir: config["state-dir"],
    spoolMaxBytes: Math.round(config["spool-max-mb"] * 1024 * 1024),
    policy: config.policy ? readPolicyFile(config.policy) : {},
    bpftoolPath: findExecutable(config.bpftool),
    dryRunTimeoutMs: Math.round(config["dry-run-timeout-sec"] * 1000),
    stopFile: config["stop-file"],
    offlineGraceMs: Math.round(config["offline-grace-sec"] * 1000),
  };
}
