import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import type { KeyObject } from "node:crypto";

export type AgentProcess = { child: ChildProcess; output: () => string; stop(): Promise<number | null>; dir: string };

/** The real agent CLI as a separate process, configured the way an operator would. */
export function startAgentProcess(options: {
  serverUrl: string;
  credential: string;
  publicKey: KeyObject;
  hostName: string;
  extraArgs?: string[];
}): AgentProcess {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-agent-"));
  const credentialFile = path.join(dir, "credential");
  const publicKeyFile = path.join(dir, "signing-key.pub.pem");
  fs.writeFileSync(credentialFile, options.credential, { mode: 0o600 });
  fs.writeFileSync(publicKeyFile, options.publicKey.export({ type: "spki", format: "pem" }));
  const child = spawn(
    process.execPath,
    [
      "agent/bin/workbench-agent.js",
      "run",
      "--server",
      options.serverUrl,
      "--credential-file",
      credentialFile,
      "--public-key",
      publicKeyFile,
      "--host",
      options.hostName,
      ...(options.extraArgs ?? []),
    ],
    { cwd: path.resolve(import.meta.dirname, ".."), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    dir,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}
