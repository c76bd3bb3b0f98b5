import { describe, expect, it } from "vitest";
import { DeliveryLedger, LatencyCounts, deliveryAccount, deserializeSummary, mergeSummaries, serializeSummary } from "./stats.ts";

describe("LatencyCounts", () => {
  it("gives nearest-rank percentiles: the smallest value with at least p% of the samples at or below it", () => {
    const counts = new LatencyCounts();
    for (let ms = 1; ms <= 100; ms++) counts.add(ms);
    expect(counts.percentile(50)).toBe(50);
    expect(counts.percentile(99)).toBe(99);
    expect(counts.percentile(100)).toBe(100);
    expect(counts.max()).toBe(100);
    expect(counts.total).toBe(100);
  });

  it("lets one slow sample in a hundred set the p100 but not the p99", () => {
    const counts = new LatencyCounts();
    counts.add(3, 99);
    counts.add(5000);
    expect(counts.percentile(50)).toBe(3);
    expect(counts.percentile(99)).toBe(3);
    expect(counts.max()).toBe(5000);
    // Two slow ones in a hundred move the p99.
    counts.add(5000);
    expect(counts.percentile(99)).toBe(5000);
  });

  it("has no percentile without samples", () => {
    expect(new LatencyCounts().percentile(50)).toBeNull();
    expect(new LatencyCounts().max()).toBeNull();
  });

  it("merges counts from several processes exactly, through their JSON form", () => {
    const a = new LatencyCounts();
    const b = new LatencyCounts();
    a.add(10, 3);
    b.add(10);
    b.add(20, 4);
    const merged = LatencyCounts.fromJSON(JSON.parse(JSON.stringify(a))).merge(LatencyCounts.fromJSON(JSON.parse(JSON.stringify(b))));
    expect(merged.total).toBe(8);
    expect(merged.atMost(10)).toBe(4);
    expect(merged.percentile(50)).toBe(10);
    expect(merged.percentile(51)).toBe(20);
  });

  it("counts a frame that arrives in the millisecond it was stamped as 0 ms, never negative", () => {
    const counts = new LatencyCounts();
    counts.add(-1);
    expect(counts.percentile(50)).toBe(0);
  });
});

describe("DeliveryLedger", () => {
  const window = { from: 1000, to: 2000 };

  it("counts each measured frame once, with its latency", () => {
    const ledger = new DeliveryLedger(window);
    ledger.record("r1", 1, 1000, 1004);
    ledger.record("r1", 2, 1500, 1520);
    ledger.record("r2", 1, 1999, 2001);
    const result = ledger.result();
    expect(result).toMatchObject({ received: 3, unique: 3, duplicates: 0, outOfOrder: 0 });
    expect(result.latency.percentile(50)).toBe(4);
    expect(result.latency.max()).toBe(20);
  });

  it("counts a (run, seq) received twice as a duplicate, timed once", () => {
    const ledger = new DeliveryLedger(window);
    ledger.record("r1", 1, 1000, 1010);
    ledger.record("r1", 1, 1000, 1900);
    expect(ledger.result()).toMatchObject({ received: 2, unique: 1, duplicates: 1, outOfOrder: 0 });
    expect(ledger.result().latency.total).toBe(1);
    expect(ledger.result().latency.max()).toBe(10);
  });

  it("counts a frame whose seq is below the highest already seen for its run as out of order, per run", () => {
    const ledger = new DeliveryLedger(window);
    ledger.record("r1", 3, 1300, 1301);
    ledger.record("r1", 2, 1200, 1302); // late
    ledger.record("r2", 1, 1100, 1303); // another run: its own order
    ledger.record("r1", 4, 1400, 1401);
    expect(ledger.result()).toMatchObject({ received: 4, unique: 4, duplicates: 0, outOfOrder: 1 });
  });

  it("ignores frames sent outside the window, but lets them set the order", () => {
    const ledger = new DeliveryLedger(window);
    ledger.record("r1", 1, 999, 1000); // warm-up
    ledger.record("r1", 5, 2000, 2001); // after the window
    ledger.record("r1", 4, 1999, 2002); // measured, but after seq 5 arrived
    expect(ledger.result()).toMatchObject({ received: 1, unique: 1, outOfOrder: 1 });
  });
});

describe("deliveryAccount", () => {
  it("owes every measured frame to every viewer, and calls the rest lost", () => {
    const viewerA = new DeliveryLedger({ from: 0, to: 10 });
    const viewerB = new DeliveryLedger({ from: 0, to: 10 });
    for (let seq = 1; seq <= 4; seq++) viewerA.record("r1", seq, seq, seq + 2);
    viewerB.record("r1", 1, 1, 3);
    viewerB.record("r1", 1, 1, 3); // a duplicate does not make up for a lost frame
    const merged = mergeSummaries([viewerA.result(), viewerB.result()].map((s) => deserializeSummary(serializeSummary(s))));
    const account = deliveryAccount(4, 2, merged);
    expect(account.expected).toBe(8);
    expect(merged.unique).toBe(5);
    expect(account.lost).toBe(3);
    expect(merged.duplicates).toBe(1);
    // 5 of the 8 owed deliveries arrived, each within 2 ms.
    expect(account.shareWithin(2)).toBe(5 / 8);
    expect(account.shareWithin(1)).toBe(0);
  });

  it("counts everything as lost when a viewer never connected", () => {
    expect(deliveryAccount(100, 3, mergeSummaries([])).lost).toBe(300);
  });
});
