// A runbook's values reach the real bpftrace (0.17 here, as root) as argv
// elements after the program: a string with a quote, a newline and a brace is
// read back by the program as exactly that one value, and the program that ran
// is the signed text, unchanged. Needs root and bpftrace.
import { describe, expect, it } from "vitest";
import { positionalArgs, type RunbookParam } from "@/lib/shared/runbook-params.ts";
import { BpftraceProcess } from "./bpftrace-process.ts";

const PROGRAM = 'BEGIN { printf("pid=%d comm=[%s] unit=[%s] secs=%d args=%d\\n", $1, str($2), str($3), $4, $#); exit(); }';
const params: RunbookParam[] = [
  { name: "pid", description: "Process id", type: "integer", min: 1, max: 4_194_304, default: 1 },
  { name: "comm", description: "Anything", type: "string", maxLength: 60, pattern: "[\\s\\S]+", default: "a" },
  { name: "unit", description: "Unit", type: "choice", choices: ["-o", "us"], default: "us" },
  { name: "window", description: "Window", type: "duration", minSec: 1, maxSec: 60, default: 5 },
];

async function runBpftrace(program: string, args: string[]): Promise<{ stdout: string; code: number | null; stderr: string }> {
  let stdout = "";
  const child = BpftraceProcess.start({
    bpftracePath: "bpftrace",
    setprivPath: "setpriv",
    program,
    positionalArgs: args,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C" },
    onStdout: (chunk) => (stdout += chunk.toString("utf8")),
  });
  const exit = await child.exited;
  return { stdout, code: exit.code, stderr: exit.stderr };
}

describe("runbook values on the real bpftrace", () => {
  it("reads a string with a quote, a newline and a brace as one value, and an option-like choice as data", async () => {
    // Short of bpftrace's default strlen (64): str() would cut a longer one.
    const hostile = 'x" } BEGIN { exit() }\n}';
    const args = positionalArgs(params, { pid: 4242, comm: hostile, unit: "-o", window: 7 });
    const { stdout, code, stderr } = await runBpftrace(PROGRAM, args);
    expect(code, stderr).toBe(0);
    const printed = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { type: string; data: unknown })
      .filter((record) => record.type === "printf")
      .map((record) => record.data)
      .join("");
    // One BEGIN probe ran (the value's own "BEGIN { ... }" attached nothing), with four arguments.
    expect(printed).toBe(`pid=4242 comm=[${hostile}] unit=[-o] secs=7 args=4\n`);
    expect(stdout).toContain('"attached_probes", "data": {"probes": 1}');
  }, 30_000);
});
