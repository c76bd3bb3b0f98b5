import os from "node:os";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { HostFacts } from "@/lib/shared/socket-events.ts";

const run = promisify(execFile);

export async function bpftraceVersion(bpftracePath: string): Promise<string | null> {
  try {
    const { stdout } = await run(bpftracePath, ["--version"], { timeout: 5000 });
    return stdout.trim().replace(/^bpftrace\s+/, "") || null;
  } catch {
    return null;
  }
}

/** What the agent tells the server about its host when it connects. */
export async function collectHostFacts(bpftracePath: string): Promise<HostFacts> {
  return {
    kernelRelease: os.release(),
    bpftraceVersion: await bpftraceVersion(bpftracePath),
    arch: os.arch(),
  };
}
