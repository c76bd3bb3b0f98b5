import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Frame } from "@/lib/shared/frame.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { ViewerRelay, type Backlog } from "./viewer-relay.ts";

const frame = (runId: string, seq: number): Frame => ({ runId, seq, at: 0, record: { type: "value", value: seq } });
const stored = (runId: string, batchId: string | null, ...seqs: number[]) => ({ runId, batchId, frames: seqs.map((seq) => frame(runId, seq)) });
const state = (id: string, lastSeq = 0) => ({ id, lastSeq, status: "ENDED" }) as unknown as RunSnapshotWithOrigin;

/** What each viewer received, message by message, as "run#seq" lists. */
function harness(windowMs = 20) {
  const messages = new Map<string, string[][]>();
  const states = new Map<string, string[][]>();
  const resyncs = new Map<string, unknown[]>();
  const encodes: string[][] = [];
  const backlogs = new Map<string, Backlog>();
  const relay = new ViewerRelay(
    {
      emitFrames(ids, frames) {
        encodes.push(ids);
        for (const id of ids) {
          if (!messages.has(id)) messages.set(id, []);
          messages.get(id)!.push(frames.map((f) => `${f.runId}#${f.seq}`));
        }
      },
      emitStates(ids, snapshots) {
        for (const id of ids) {
          if (!states.has(id)) states.set(id, []);
          states.get(id)!.push(snapshots.map((s) => s.id));
        }
      },
      emitResync(id, missed) {
        if (!resyncs.has(id)) resyncs.set(id, []);
        resyncs.get(id)!.push(missed);
      },
      backlog: (id) => backlogs.get(id) ?? { messages: 0, bytes: 0 },
    },
    { windowMs, highWater: { messages: 3, bytes: 1e6 } },
  );
  return { relay, messages, states, resyncs, encodes, backlogs };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("ViewerRelay", () => {
  it("sends each viewer one message per window with every new frame of every run it watches, in order", () => {
    const { relay, messages } = harness();
    relay.watch("v1", { kind: "batch", batchId: "B" });
    relay.watch("v2", { kind: "run", runId: "a" });
    relay.push([stored("a", "B", 1), stored("b", "B", 1)]);
    relay.push([stored("a", "B", 2), stored("c", "other", 1)]);
    expect(messages.size).toBe(0);
    vi.advanceTimersByTime(20);
    expect(messages.get("v1")).toEqual([["a#1", "b#1", "a#2"]]);
    expect(messages.get("v2")).toEqual([["a#1", "a#2"]]);
    relay.push([stored("b", "B", 2)]);
    vi.advanceTimersByTime(20);
    expect(messages.get("v1")).toEqual([["a#1", "b#1", "a#2"], ["b#2"]]);
    expect(messages.get("v2")).toHaveLength(1);
  });

  it("sends a frame after a quiet spell at once, and coalesces frames that come closer together than the window", () => {
    const { relay, messages } = harness(20);
    relay.watch("v1", { kind: "batch", batchId: "B" });
    vi.advanceTimersByTime(100);
    relay.push([stored("a", "B", 1)]);
    vi.advanceTimersByTime(1);
    expect(messages.get("v1")).toEqual([["a#1"]]);
    relay.push([stored("b", "B", 1)]);
    vi.advanceTimersByTime(5);
    relay.push([stored("a", "B", 2)]);
    vi.advanceTimersByTime(5);
    expect(messages.get("v1")).toHaveLength(1);
    vi.advanceTimersByTime(10);
    expect(messages.get("v1")).toEqual([["a#1"], ["b#1", "a#2"]]);
  });

  it("encodes once for every viewer watching the same runs", () => {
    const { relay, encodes } = harness();
    for (let i = 0; i < 10; i++) relay.watch(`v${i}`, { kind: "batch", batchId: "B" });
    relay.push([stored("a", "B", 1), stored("b", "B", 1)]);
    relay.flush();
    expect(encodes).toHaveLength(1);
    expect(encodes[0]).toHaveLength(10);
  });

  it("sends a frame once to a viewer watching both a run and its batch", () => {
    const { relay, messages } = harness();
    relay.watch("v1", { kind: "batch", batchId: "B" });
    relay.watch("v1", { kind: "run", runId: "a" });
    relay.push([stored("a", "B", 1)]);
    relay.flush();
    expect(messages.get("v1")).toEqual([["a#1"]]);
  });

  it("sends states after the frames of the same window, to the viewers of the run or its batch", () => {
    const { relay, messages, states } = harness();
    relay.watch("v1", { kind: "batch", batchId: "B" });
    relay.push([stored("a", "B", 7)]);
    relay.pushStates([
      { batchId: "B", snapshot: state("a", 7) },
      { batchId: "X", snapshot: state("x") },
    ]);
    relay.flush();
    expect(messages.get("v1")).toEqual([["a#7"]]);
    expect(states.get("v1")).toEqual([["a"]]);
  });

  it("stops sending to a viewer that does not keep up, then tells it what to read back once it has drained", () => {
    const { relay, messages, resyncs, backlogs } = harness();
    relay.watch("slow", { kind: "run", runId: "a" });
    relay.watch("fast", { kind: "run", runId: "a" });
    relay.push([stored("a", null, 1)]);
    relay.flush();
    backlogs.set("slow", { messages: 4, bytes: 0 });
    relay.push([stored("a", null, 2, 3)]);
    relay.flush();
    relay.push([stored("a", null, 4)]);
    relay.flush();
    expect(messages.get("slow")).toEqual([["a#1"]]);
    expect(messages.get("fast")).toEqual([["a#1"], ["a#2", "a#3"], ["a#4"]]);
    // Still behind: nothing more; drained: it is told to read from a#2 on, and gets the live frames again.
    backlogs.set("slow", { messages: 1, bytes: 0 });
    relay.push([stored("a", null, 5)]);
    relay.flush();
    expect(resyncs.get("slow")).toBeUndefined();
    backlogs.set("slow", { messages: 0, bytes: 0 });
    relay.push([stored("a", null, 6)]);
    relay.flush();
    expect(resyncs.get("slow")).toEqual([{ runs: [{ runId: "a", fromSeq: 2 }], batches: [] }]);
    expect(messages.get("slow")).toEqual([["a#1"], ["a#6"]]);
    expect(relay.stats.dropped).toBe(4);
  });

  it("forgets a viewer that unwatches or leaves, and a run nobody watches is not watched", () => {
    const { relay, messages } = harness();
    relay.watch("v1", { kind: "run", runId: "a" });
    expect(relay.isWatched("a", null)).toBe(true);
    relay.unwatch("v1", { kind: "run", runId: "a" });
    expect(relay.isWatched("a", null)).toBe(false);
    relay.watch("v2", { kind: "batch", batchId: "B" });
    expect(relay.isWatched("z", "B")).toBe(true);
    relay.remove("v2");
    relay.push([stored("a", "B", 1)]);
    relay.flush();
    expect(messages.size).toBe(0);
    expect(relay.viewerCount).toBe(0);
  });

  it("a viewer that changes what it watches mid-window still gets what was pending for it, once", () => {
    const { relay, messages } = harness();
    relay.watch("v1", { kind: "run", runId: "a" });
    relay.watch("v2", { kind: "run", runId: "a" });
    relay.watch("v2", { kind: "run", runId: "b" });
    relay.push([stored("a", null, 1)]);
    relay.watch("v1", { kind: "run", runId: "b" }); // v1 moves into v2's group, which holds a#1 too
    relay.flush();
    expect(messages.get("v1")).toEqual([["a#1"]]);
    expect(messages.get("v2")).toEqual([["a#1"]]);
  });
});
