import { describe, expect, it } from "vitest";
import type { RunSnapshot } from "@/lib/views/live-events.ts";
import { isNotBehind } from "./snapshot-order.ts";

const run = (overrides: Partial<RunSnapshot>): RunSnapshot => ({ status: "RUNNING", stopRequestedAt: null, lastSeq: 10, ...overrides }) as RunSnapshot;

describe("isNotBehind", () => {
  it("never lets a run go back: ended stays ended, a stop asked stays asked, seqs only grow", () => {
    expect(isNotBehind(run({ status: "RUNNING" }), run({ status: "ENDED" }))).toBe(false);
    expect(isNotBehind(run({ status: "QUEUED", lastSeq: 0 }), run({ status: "RUNNING", lastSeq: 0 }))).toBe(false);
    expect(isNotBehind(run({}), run({ stopRequestedAt: "2026-12-04T02:00:00.000Z" }))).toBe(false);
    expect(isNotBehind(run({ lastSeq: 9 }), run({ lastSeq: 10 }))).toBe(false);
  });

  it("takes what moved forward, and a snapshot as far along as the one held", () => {
    expect(isNotBehind(run({ status: "ENDED", lastSeq: 3 }), run({ status: "RUNNING", lastSeq: 10 }))).toBe(true);
    expect(isNotBehind(run({ stopRequestedAt: "2026-12-04T02:00:00.000Z" }), run({}))).toBe(true);
    expect(isNotBehind(run({ lastSeq: 11 }), run({}))).toBe(true);
    expect(isNotBehind(run({ status: "ENDED" }), run({ status: "ENDED" }))).toBe(true);
  });
});
