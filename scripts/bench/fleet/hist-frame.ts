// The frame every simulated host sends once a second: what the real agent
// streams for the program below on bpftrace 0.17. The line is written the way
// bpftrace 0.17 prints `print(@usecs)` with `-f json` (compare
// lib/shared/bpftrace/fixtures/v0.17/syscall-latency-interval.jsonl) and goes
// through the agent's own parser, so the record is byte for byte what a host
// would send. With `clear(@usecs)` after each print there is no delta to add.
import { parseOutputLine } from "@/lib/shared/bpftrace/parse-output.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import type { Frame } from "@/lib/shared/frame.ts";

export const FLEET_PROGRAM = `// bench:fleet: read() latency, printed and cleared every second
tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_read /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:s:1 { print(@usecs); clear(@usecs); }
`;

/** Log2 buckets 0, 1, 2-3, ..., 2^22 to 2^23-1 (8 s): 24 buckets, as a busy read() latency histogram with a slow tail fills them. */
const BUCKETS = 24;

/** One second of read() latencies, mostly 4-64 us with a tail; `variant` moves the counts a little. */
export function bpftrace017HistLine(variant: number): string {
  const entries: string[] = [];
  for (let i = 0; i < BUCKETS; i++) {
    const min = i === 0 ? 0 : 2 ** (i - 1);
    const max = i === 0 ? 0 : 2 ** i - 1;
    const peak = 5;
    const base = Math.round(48_000 / (1 + (i - peak) ** 2 * 1.7));
    const count = Math.max(0, base + ((variant * 7919 + i * 104_729) % 997) - 400);
    entries.push(`{"min": ${min}, "max": ${max}, "count": ${count}}`);
  }
  return `{"type": "hist", "data": {"@usecs": [${entries.join(", ")}]}}`;
}

/** A few variants parsed once; frames pick one by seq so consecutive seconds differ. */
export function histRecords(variants = 16): HistRecord[] {
  return Array.from({ length: variants }, (_, variant) => {
    const parsed = parseOutputLine(bpftrace017HistLine(variant));
    if (parsed.kind !== "record" || parsed.record.type !== "hist") throw new Error(`the parser refused the bench's hist line: ${JSON.stringify(parsed)}`);
    return parsed.record;
  });
}

export function histFrame(records: HistRecord[], runId: string, seq: number, at: number): Frame {
  return { runId, seq, at, record: records[seq % records.length]! };
}
