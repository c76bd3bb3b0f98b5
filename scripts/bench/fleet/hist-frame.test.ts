import { describe, expect, it } from "vitest";
import { MAX_FRAME_BYTES } from "@/lib/shared/frame.ts";
import { runFramesSchema } from "@/lib/protocol/agent-events.ts";
import { histFrame, histRecords } from "./hist-frame.ts";

describe("the bench's hist frame", () => {
  const records = histRecords();

  it("is the agent parser's record of a bpftrace 0.17 @usecs log2 histogram, 24 buckets", () => {
    for (const record of records) {
      expect(record.map).toBe("@usecs");
      expect(record.series).toHaveLength(1);
      expect(record.series[0]!.buckets).toHaveLength(24);
      expect(record.series[0]!.buckets[5]).toMatchObject({ min: 16, max: 31 });
    }
    // Consecutive seconds differ.
    expect(new Set(records.map((record) => JSON.stringify(record))).size).toBe(records.length);
  });

  it("is about 1.1 KB as a run:frames payload, which the server's schema accepts", () => {
    const frame = histFrame(records, "c".repeat(25), 1234, Date.now());
    const payload = { runId: frame.runId, frames: [frame] };
    const bytes = Buffer.byteLength(JSON.stringify(payload));
    expect(bytes).toBeGreaterThan(1000);
    expect(bytes).toBeLessThan(1200);
    expect(bytes).toBeLessThan(MAX_FRAME_BYTES);
    expect(runFramesSchema.safeParse(payload).success).toBe(true);
  });
});
