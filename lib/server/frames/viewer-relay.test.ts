import { describe, expect, it, vi } from "vitest";
import type { Frame } from "@/lib/shared/frame.ts";
import { FrameRelay } from "@/lib/server/frames/viewer-relay.ts";

const frame = (runId: string, seq: number): Frame => ({ runId, seq, at: 0, record: { type: "value", value: seq } });

describe("FrameRelay", () => {
  it("coalesces frames per run into one emit per window, in order", () => {
    vi.useFakeTimers();
    const emitted: [string, number[]][] = [];
    const relay = new FrameRelay((runId, frames) => emitted.push([runId, frames.map((f) => f.seq)]), 100);
    relay.push("a", [frame("a", 1)]);
    relay.push("b", [frame("b", 1)]);
    relay.push("a", [frame("a", 2), frame("a", 3)]);
    expect(emitted).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(emitted).toEqual([
      ["a", [1, 2, 3]],
      ["b", [1]],
    ]);
    relay.push("a", [frame("a", 4)]);
    relay.dispose(); // flushes what is pending
    expect(emitted.at(-1)).toEqual(["a", [4]]);
    vi.useRealTimers();
  });
});
