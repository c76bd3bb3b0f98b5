import { afterEach, describe, expect, it } from "vitest";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { backfillRange, sharedBatch, type FramePages } from "./workspace-backfill.ts";
import { WorkspaceStore } from "./workspace-store.ts";

// The hook around these (use-workspace-stream.ts) needs a DOM and a socket;
// the unit project runs in node without a DOM, so these tests drive the part
// it delegates to: reading missed frames back into the store.

const snapshot = (id: string, batchId = "b"): RunSnapshotWithOrigin =>
  ({ id, hostName: `host-${id}`, status: "RUNNING", lastSeq: 0, origin: { kind: "live", batchId } }) as unknown as RunSnapshotWithOrigin;
const hist = (runId: string, seq: number) => ({
  runId,
  seq,
  at: 1_800_000_000_000 + seq * 1000,
  record: { type: "hist", map: "@usecs", series: [{ key: null, buckets: [{ min: 1, max: 1, count: seq }], total: seq }] },
});

/** Stand-in for the frames route (GET /api/runs/:id/frames): the run's stored frames, paged the same way. */
function storedPages(stored: ReturnType<typeof hist>[]) {
  const asked: { runId: string; afterSeq: number; limit: number }[] = [];
  const pages: FramePages = (runId, afterSeq, limit) => {
    asked.push({ runId, afterSeq, limit });
    const frames = stored.filter((frame) => frame.runId === runId && frame.seq > afterSeq).slice(0, limit);
    return Promise.resolve({ frames: frames as never, nextAfterSeq: frames.at(-1)?.seq ?? afterSeq });
  };
  return { pages, asked };
}

const stores: WorkspaceStore[] = [];
afterEach(() => stores.splice(0).forEach((store) => store.dispose()));
const newStore = (...ids: string[]) => {
  const store = new WorkspaceStore(ids.map((id) => snapshot(id)));
  stores.push(store);
  return store;
};
const range = (runId: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => hist(runId, from + i));

describe("reading missed frames back", () => {
  it("fills a gap the live frames left with exactly the frames that were missed, and the run then shows every frame", async () => {
    const store = newStore("a");
    const { pages, asked } = storedPages(range("a", 1, 10));
    const gaps = store.ingestMany([hist("a", 1), hist("a", 2), hist("a", 7)]);
    expect(gaps).toEqual([{ runId: "a", fromSeq: 3, toSeq: 6 }]);
    for (const gap of gaps) await backfillRange(pages, store, gap.runId, gap.fromSeq, gap.toSeq, { left: 1000 }, () => false);
    expect(asked).toEqual([{ runId: "a", afterSeq: 2, limit: 4 }]);
    expect(store.get("a")!.timeline.frameCount).toBe(7);
    // Frames after the gap arrive live as before, without a new gap.
    expect(store.ingestMany([hist("a", 8)])).toEqual([]);
  });

  it("after a resync (toSeq unbounded) reads on page by page up to the newest stored frame", async () => {
    const store = newStore("a");
    const { pages, asked } = storedPages(range("a", 1, 12_000));
    store.ingestMany([hist("a", 1)]);
    await backfillRange(pages, store, "a", 2, Infinity, { left: 200_000 }, () => false);
    expect(store.get("a")!.timeline.frameCount).toBe(12_000);
    expect(asked.map((page) => page.afterSeq)).toEqual([1, 5001, 10_001, 12_000]);
  });

  it("stops reading when the frame budget is spent or the view is gone", async () => {
    const store = newStore("a");
    const { pages } = storedPages(range("a", 1, 100));
    await backfillRange(pages, store, "a", 1, Infinity, { left: 30 }, () => false);
    expect(store.get("a")!.timeline.frameCount).toBe(30);

    const closed = newStore("a");
    const { pages: unread, asked } = storedPages(range("a", 1, 100));
    await backfillRange(unread, closed, "a", 1, Infinity, { left: 1000 }, () => true);
    expect(asked).toEqual([]);
    expect(closed.get("a")!.timeline.frameCount).toBe(0);
  });
});

describe("sharedBatch", () => {
  it("watches the hosts of one approval as one batch, and a single run or runs of different approvals one by one", () => {
    expect(sharedBatch([snapshot("a", "x"), snapshot("b", "x")])).toBe("x");
    expect(sharedBatch([snapshot("a", "x")])).toBeNull();
    expect(sharedBatch([snapshot("a", "x"), snapshot("b", "y")])).toBeNull();
  });
});
