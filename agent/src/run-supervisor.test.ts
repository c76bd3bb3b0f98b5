// The run supervisor against a stand-in for bpftrace: a shell script that
// records how it was started and prints what a test needs (cumulative
// histograms, a flood, a SIGINT it ignores). Real bpftrace runs in the
// *.integration.test.ts files; this covers what bpftrace cannot be made to do
// on purpose.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Frame } from "@/lib/shared/frame.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import { DEFAULT_RUN_LIMITS } from "@/lib/protocol/run-order-limits.ts";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import type { RunEnd } from "@/lib/protocol/agent-events.ts";
import { findExecutable } from "./config.ts";
import { RunSupervisor, mapsClearedBy, type RunSink } from "./run-supervisor.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-supervisor-"));
const fakeBpftrace = path.join(dir, "bpftrace");
const hist = (n: string) => `{"type": "hist", "data": {"@h": [{"min": 1, "max": 1, "count": ${n}}, {"min": 2, "max": 3, "count": 1}]}}`;
fs.writeFileSync(
  fakeBpftrace,
  `#!/bin/sh
for a in "$@"; do printf '%s\\0' "$a"; done > "$FAKE_ARGS"
echo '{"type": "attached_probes", "data": {"probes": 1}}'
case "$FAKE_MODE" in
  ignore-int) trap '' INT; while :; do sleep 0.05; done ;;
  cumulative) n=0; trap 'echo '"'"'${hist("99")}'"'"'; exit 0' INT; while :; do n=$((n+1)); echo "${hist("$n").replaceAll('"', '\\"')}"; sleep 0.05; done ;;
  flood) trap 'exit 0' INT; while :; do echo '{"type": "printf", "data": "0123456789012345678901234567890123456789"}'; done ;;
  lost) echo '{"type": "lost_events", "data": {"events": 500}}'; trap 'exit 0' INT; while :; do sleep 0.05; done ;;
  fail) echo "stdin:1:1-2: ERROR: syntax error, unexpected }" >&2; exit 1 ;;
esac
`,
  { mode: 0o755 },
);

const SOURCE = "tracepoint:syscalls:sys_enter_clock_nanosleep { @h = hist(1); }\ninterval:ms:50 { print(@h); } // \"quoted\" 'too' $HOME";

function order(limits: Partial<RunOrder["limits"]> = {}): RunOrder {
  return {
    v: 1,
    runId: `run-${Math.random().toString(16).slice(2)}`,
    host: "db-1",
    program: { id: "p", name: "n", revisionId: "r", revision: 1, contentHash: `sha256:${"0".repeat(64)}`, source: SOURCE },
    limits: { durationSec: 30, ...DEFAULT_RUN_LIMITS, ...limits },
    approval: { id: "a", by: "Rae", at: new Date().toISOString(), securityReview: false },
    issuedAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
  };
}

class Sink implements RunSink {
  frames: Frame[] = [];
  end: RunEnd | undefined;
  room = Number.POSITIVE_INFINITY;
  tryPushFrame(frame: Frame, json: string) {
    expect(JSON.parse(json)).toEqual(frame);
    if (this.room-- <= 0) return false;
    this.frames.push(frame);
    return true;
  }
  pushFrameAlways(frame: Frame) {
    this.frames.push(frame);
  }
  pushEnd(report: RunEnd) {
    this.end = report;
  }
}

function supervise(mode: string, runOrder: RunOrder, options: { stopGraceMs?: number; sink?: Sink } = {}) {
  const argsFile = path.join(dir, `${runOrder.runId}.args`);
  const sink = options.sink ?? new Sink();
  const supervisor = new RunSupervisor({
    order: runOrder,
    bpftracePath: fakeBpftrace,
    setprivPath: findExecutable("setpriv")!,
    stopGraceMs: options.stopGraceMs ?? 2000,
    env: { PATH: "/usr/bin:/bin", FAKE_MODE: mode, FAKE_ARGS: argsFile },
    sink,
    clockTicks: 100,
    sampleMs: 100,
    now: Date.now,
    log: () => {},
  });
  return { supervisor, sink, args: () => fs.readFileSync(argsFile, "utf8").split("\0").slice(0, -1) };
}

describe("RunSupervisor", () => {
  it("hands bpftrace exactly the verified program text as one argument, with -f json and never --unsafe", async () => {
    const { supervisor, args } = supervise("fail", order());
    await supervisor.done;
    expect(args()).toEqual(["-f", "json", "-e", SOURCE]);
  });

  it("reports bpftrace's own error message when it fails", async () => {
    const { supervisor, sink } = supervise("fail", order());
    await supervisor.done;
    expect(sink.end).toMatchObject({ reason: "failed", detail: "stdin:1:1-2: ERROR: syntax error, unexpected }" });
  });

  it("attaches per-interval deltas to cumulative histograms, and says which stop signal ended the run", async () => {
    const { supervisor, sink } = supervise("cumulative", order());
    await expect.poll(() => sink.frames.filter((f) => f.record.type === "hist").length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    supervisor.requestStop("stopped", "stopped by Sam");
    await supervisor.done;
    const hists = sink.frames.filter((f) => f.record.type === "hist");
    // The first print is its own delta; each later one grew by one in the 1..1 bucket.
    expect(hists[0]!.delta).toBeUndefined();
    for (const frame of hists.slice(1, -1)) {
      expect((frame.delta as HistRecord).series[0]!.buckets).toEqual([
        { min: 1, max: 1, count: 1 },
        { min: 2, max: 3, count: 0 },
      ]);
    }
    expect(sink.frames.map((f) => f.seq)).toEqual(sink.frames.map((_, i) => i + 1));
    expect(sink.end).toMatchObject({ reason: "stopped", detail: "stopped by Sam; bpftrace exited on SIGINT", lastSeq: sink.frames.length });
  });

  it("kills bpftrace with SIGKILL when it ignores SIGINT past the grace period, and the end says so", async () => {
    const { supervisor, sink } = supervise("ignore-int", order({ durationSec: 1 }), { stopGraceMs: 500 });
    await supervisor.done;
    expect(sink.end?.reason).toBe("duration-limit");
    expect(sink.end?.detail).toBe("reached the 1 s duration limit; bpftrace did not exit within 0.5 s of SIGINT and was killed with SIGKILL");
  });

  it("stops a run that floods its output, with the rate in the reason", async () => {
    const { supervisor, sink } = supervise("flood", order({ maxOutputLinesPerSec: 200, windowSec: 1 }));
    await supervisor.done;
    expect(sink.end?.reason).toBe("output-limit");
    expect(sink.end?.detail).toMatch(/^stopped: printed \d+ lines\/s over the 200 lines\/s output cap for 1 s/);
  });

  it("stops a run that loses more events than its limit", async () => {
    const { supervisor, sink } = supervise("lost", order({ maxLostEvents: 100 }));
    await supervisor.done;
    expect(sink.end?.reason).toBe("output-limit");
    expect(sink.end?.detail).toMatch(/the kernel dropped 500 events .* over the limit of 100/);
  });

  it("records a gap when frames were refused for lack of room, and says so in the end report", async () => {
    const sink = new Sink();
    sink.room = 3;
    const { supervisor } = supervise("cumulative", order(), { sink });
    await expect.poll(() => sink.room, { timeout: 10_000 }).toBeLessThan(-3);
    sink.room = Number.POSITIVE_INFINITY;
    await expect.poll(() => sink.frames.some((f) => f.record.type === "gap"), { timeout: 10_000 }).toBe(true);
    supervisor.requestStop("stopped", null);
    await supervisor.done;
    const gap = sink.frames.find((f) => f.record.type === "gap")!;
    expect(gap.record).toMatchObject({ type: "gap", fromSeq: 4, reason: expect.stringMatching(/buffer was full/) });
    const { fromSeq, toSeq } = gap.record as { fromSeq: number; toSeq: number };
    // Every seq is either stored or inside the recorded gap.
    const stored = new Set(sink.frames.map((f) => f.seq));
    for (let seq = 1; seq <= sink.end!.lastSeq; seq++) expect(stored.has(seq) || (seq >= fromSeq && seq <= toSeq)).toBe(true);
    expect(sink.end?.detail).toMatch(/frames were dropped because the agent's frame buffer was full/);
  });
});

describe("mapsClearedBy", () => {
  it("finds the maps a program clears or zeroes, whose prints are already per interval", () => {
    expect([...mapsClearedBy("interval:s:1 { print(@a); clear(@a); zero( @b ); print(@c); }")]).toEqual(["@a", "@b"]);
  });
});
