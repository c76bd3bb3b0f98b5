import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import type { KeyObject } from "node:crypto";

export type AgentProcess = {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the agent has exited by itself. */
  exited: Promise<number | null>;
  dir: string;
  stateDir: string;
  /** The agent's local stop switch (README, "The local stop switch"). */
  stopFile: string;
};

/**
 * The real agent CLI as a separate process, configured the way an operator
 * would. Pass `dir` to start it again on the state of an earlier one (a
 * restart), `extraArgs` for more flags.
 */
export function startAgentProcess(options: {
  serverUrl: string;
  credential: string;
  publicKey: KeyObject | KeyObject[];
  hostName: string;
  extraArgs?: string[];
  dir?: string;
}): AgentProcess {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "wb-agent-"));
  const credentialFile = path.join(dir, "credential");
  const stateDir = path.join(dir, "state");
  fs.writeFileSync(credentialFile, options.credential, { mode: 0o600 });
  const keys = Array.isArray(options.publicKey) ? options.publicKey : [options.publicKey];
  const publicKeyFiles = keys.map((key, i) => {
    const file = path.join(dir, `signing-key-${i}.pub.pem`);
    fs.writeFileSync(file, key.export({ type: "spki", format: "pem" }), { mode: 0o644 });
    return file;
  });
  const child = spawn(
    process.execPath,
    [
      "agent/bin/workbench-agent.js",
      "run",
      "--server",
      options.serverUrl,
      "--credential-file",
      credentialFile,
      ...publicKeyFiles.flatMap((file) => ["--public-key", file]),
      "--host",
      options.hostName,
      "--state-dir",
      stateDir,
      // The switch of this test agent, not the machine's /etc/workbench-agent/stop.
      "--stop-file",
      path.join(dir, "stop"),
      ...(options.extraArgs ?? []),
    ],
    { cwd: path.resolve(import.meta.dirname, ".."), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
  return {
    child,
    dir,
    stateDir,
    stopFile: path.join(dir, "stop"),
    output: () => output,
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** The agent's JSON log lines that have `msg`, parsed. */
export function agentLogLines(output: string, msg: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((line) => line.msg === msg);
}
