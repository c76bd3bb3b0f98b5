import fs from "node:fs";
import os from "node:os";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MAX_CATALOG_PROBES, type HostFacts, type ProbeCatalog } from "@/lib/protocol/agent-events.ts";

const run = promisify(execFile);

export async function bpftraceVersion(bpftracePath: string): Promise<string | null> {
  try {
    const { stdout } = await run(bpftracePath, ["--version"], { timeout: 5000 });
    return stdout.trim().replace(/^bpftrace\s+/, "") || null;
  } catch {
    return null;
  }
}

/** tracefs is at /sys/kernel/tracing, or under debugfs on older setups. */
function tracefsHas(file: string): boolean {
  return ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"].some((dir) => fs.existsSync(`${dir}/${file}`));
}

/** The tracepoints `bpftrace -l` lists here (a second or less), for completion in the editor and the policy lint. */
export async function collectProbeCatalog(bpftracePath: string): Promise<ProbeCatalog> {
  try {
    const { stdout } = await run(bpftracePath, ["-l", "tracepoint:*"], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    const probes = stdout
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && line.length <= 256);
    return { probes: probes.slice(0, MAX_CATALOG_PROBES) };
  } catch {
    return { probes: [] };
  }
}

/** What the agent tells the server about its host when it connects. */
export async function collectHostFacts(bpftracePath: string, catalog: ProbeCatalog): Promise<HostFacts> {
  return {
    kernelRelease: os.release(),
    bpftraceVersion: await bpftraceVersion(bpftracePath),
    arch: os.arch(),
    btf: fs.existsSync("/sys/kernel/btf/vmlinux"),
    kprobes: tracefsHas("kprobe_events"),
    uprobes: tracefsHas("uprobe_events"),
    tracepointCount: catalog.probes.length,
  };
}
