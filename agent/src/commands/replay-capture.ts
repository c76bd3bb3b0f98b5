// Reading a recorded `bpftrace -f json` capture for `workbench-agent replay`
// (replay.ts): its records as frames laid out in time, with the histogram
// deltas the agent would have sent for them.
import fs from "node:fs";
import { HistDeltaTracker } from "@/lib/shared/bpftrace/deltas.ts";
import { OutputParser, type ParsedLine } from "@/lib/shared/bpftrace/parse-output.ts";
import type { HistRecord, OutputRecord } from "@/lib/shared/bpftrace/records.ts";

const MAP_RECORD_TYPES = new Set(["hist", "map", "stats", "tseries"]);

/**
 * Interval number of each record. A capture has no timestamps, so its prints
 * are laid out in intervals: the first map print opens interval 1, and a map
 * printed again opens the next one (a program prints each map once per
 * interval); other records (printf, time) belong to the interval they fall in.
 */
export class ReplayClock {
  #tick = 0;
  #printedThisTick = new Set<string>();

  tickOf(record: OutputRecord): number {
    if (MAP_RECORD_TYPES.has(record.type)) {
      const map = (record as { map: string }).map;
      if (this.#tick === 0 || this.#printedThisTick.has(map)) {
        this.#tick += 1;
        this.#printedThisTick = new Set();
      }
      this.#printedThisTick.add(map);
    }
    return this.#tick;
  }
}

export type ReplayFrame = { seq: number; at: number; record: OutputRecord; delta?: HistRecord };

/** Frames of a capture, `at` relative to its start (ms); skipped lines counted. */
export async function* readCapture(file: string, intervalMs: number, clearedMaps: Set<string>, onSkipped: (line: ParsedLine) => void): AsyncGenerator<ReplayFrame> {
  const parser = new OutputParser();
  const clock = new ReplayClock();
  const deltas = new HistDeltaTracker();
  let seq = 0;
  const frames = function* (lines: ParsedLine[]): Generator<ReplayFrame> {
    for (const line of lines) {
      if (line.kind !== "record") {
        onSkipped(line);
        continue;
      }
      const { record } = line;
      let delta: HistRecord | undefined;
      if (record.type === "hist" && !clearedMaps.has(record.map)) {
        const computed = deltas.next(record);
        if (computed !== record) delta = computed;
      }
      seq += 1;
      yield { seq, at: clock.tickOf(record) * intervalMs, record, ...(delta ? { delta } : {}) };
    }
  };
  for await (const chunk of fs.createReadStream(file)) yield* frames(parser.push(chunk as Buffer));
  yield* frames(parser.end());
}
