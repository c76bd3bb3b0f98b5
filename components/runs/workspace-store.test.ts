import { afterEach, describe, expect, it } from "vitest";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { WorkspaceStore } from "./workspace-store.ts";

const snapshot = (id: string): RunSnapshotWithOrigin =>
  ({ id, hostName: `host-${id}`, status: "RUNNING", lastSeq: 0, origin: { kind: "live", batchId: "b" } }) as unknown as RunSnapshotWithOrigin;
const hist = (runId: string, seq: number, count = seq) => ({
  runId,
  seq,
  at: 1_800_000_000_000 + seq * 1000,
  record: { type: "hist", map: "@usecs", series: [{ key: null, buckets: [{ min: 1, max: 1, count }], total: count }] },
});

const stores: WorkspaceStore[] = [];
afterEach(() => stores.splice(0).forEach((store) => store.dispose()));
const newStore = (...ids: string[]) => {
  const store = new WorkspaceStore(ids.map(snapshot));
  stores.push(store);
  return store;
};

describe("WorkspaceStore", () => {
  it("leaves out what is not a well-formed frame (a malformed overhead record included) and keeps rendering the rest", () => {
    const store = newStore("a");
    store.ingest("a", [hist("a", 1), { runId: "a", seq: 2, at: 1, record: { type: "overhead", cpuPercent: "high" } }, { runId: "a", seq: 3 }, hist("a", 4)]);
    expect(store.rejectedFrames).toBe(2);
    expect(store.get("a")!.timeline.frameCount).toBe(2);
  });

  it("sorts a live message's frames to their runs, ignores runs it does not show, and names the seqs it never saw", () => {
    const store = newStore("a", "b");
    expect(store.ingestMany([hist("a", 1), hist("b", 1), hist("a", 2), hist("z", 1)])).toEqual([]);
    expect(store.get("a")!.timeline.frameCount).toBe(2);
    expect(store.get("b")!.timeline.frameCount).toBe(1);
    // b's frames 2..4 never arrived: the view reads them back.
    expect(store.ingestMany([hist("a", 3), hist("b", 5)])).toEqual([{ runId: "b", fromSeq: 2, toSeq: 4 }]);
    // Read back (in any order, duplicates included), they close the gap and raise no new one.
    expect(store.ingest("b", [hist("b", 4), hist("b", 2), hist("b", 3), hist("b", 5)])).toEqual([]);
    expect(store.get("b")!.timeline.frameCount).toBe(5);
  });

  it("takes a newer snapshot of a run and tells its listeners at once", () => {
    const store = newStore("a");
    let told = 0;
    store.subscribe(() => told++);
    store.setSnapshot({ ...snapshot("a"), status: "ENDED" } as RunSnapshotWithOrigin);
    expect(told).toBe(1);
    expect(store.allEnded).toBe(true);
  });

  it("gives the page one view object per notification: the same until something changed, then a new one with the new state", () => {
    const store = newStore("a", "b");
    const first = store.getView();
    expect(store.getView()).toBe(first);
    expect(first.range).toBeNull();
    store.setSnapshot({ ...snapshot("b"), status: "ENDED" } as RunSnapshotWithOrigin);
    const second = store.getView();
    expect(second).not.toBe(first);
    expect(second.runs.map((run) => run.snapshot.status)).toEqual(["RUNNING", "ENDED"]);
    // The view the page rendered before keeps what it showed.
    expect(first.runs.map((run) => run.snapshot.status)).toEqual(["RUNNING", "RUNNING"]);
    store.markHistoryLimited();
    expect(store.getView().historyLimited).toBe(true);
  });
});
