import { describe, expect, it } from "vitest";
import { judgeCanary, MEASUREMENT_GRACE_MS, type CanaryFacts } from "./judge-canary.ts";

const started = new Date("2026-12-04T10:00:00.000Z");
const at = (ms: number) => new Date(started.getTime() + ms);
const rule = { periodSec: 10, budgetPercent: 1 };
const canary = (facts: Partial<CanaryFacts> = {}): CanaryFacts => ({
  hostName: "web-1",
  status: "RUNNING",
  startedAt: started,
  endReason: null,
  endDetail: null,
  cpuPercent: 0.3,
  ...facts,
});

describe("the canary decision", () => {
  it("waits until the canary has started and run its whole period", () => {
    expect(judgeCanary(rule, [canary({ status: "QUEUED", startedAt: null, cpuPercent: null })], at(60_000))).toEqual({ verdict: "wait" });
    expect(judgeCanary(rule, [canary()], at(9_999))).toEqual({ verdict: "wait" });
    expect(judgeCanary(rule, [canary(), canary({ hostName: "web-2", startedAt: at(5_000) })], at(12_000))).toEqual({ verdict: "wait" });
  });

  it("passes after the period with the highest measured cost in the sentence", () => {
    expect(judgeCanary(rule, [canary(), canary({ hostName: "web-2", cpuPercent: 0.45 })], at(10_000))).toEqual({
      verdict: "pass",
      sentence: "the canary on web-1, web-2 ran 10 s without error and measured 0.45% of a CPU at most (budget 1.00%)",
      cpuPercent: 0.45,
    });
  });

  it("passes a canary that ended on its own before its period, and aborts one that ended with an error at once", () => {
    expect(judgeCanary(rule, [canary({ status: "ENDED", endReason: "COMPLETED", cpuPercent: null })], at(1_000))).toMatchObject({ verdict: "pass" });
    expect(judgeCanary(rule, [canary({ status: "ENDED", endReason: "OVERHEAD_LIMIT", endDetail: "overhead 36% of a CPU over the 1% budget", cpuPercent: 36 })], at(800))).toEqual({
      verdict: "abort",
      sentence: "the canary on web-1 ended with an error (overhead limit: overhead 36% of a CPU over the 1% budget)",
      cpuPercent: 36,
    });
    expect(judgeCanary(rule, [canary({ status: "ENDED", endReason: "EXPIRED", endDetail: null, startedAt: null })], at(0))).toMatchObject({
      verdict: "abort",
      sentence: "the canary on web-1 ended with an error (expired)",
    });
  });

  it("aborts as soon as a measured figure is over the budget, before the period ends", () => {
    expect(judgeCanary(rule, [canary({ cpuPercent: 2.5 })], at(2_000))).toEqual({
      verdict: "abort",
      sentence: "the canary on web-1 measured 2.50% of a CPU, over the 1.00% budget",
      cpuPercent: 2.5,
    });
  });

  it("never passes without a measurement: waits a grace for the first sample, then aborts", () => {
    expect(judgeCanary(rule, [canary({ cpuPercent: null })], at(10_000 + MEASUREMENT_GRACE_MS - 1))).toEqual({ verdict: "wait" });
    expect(judgeCanary(rule, [canary({ cpuPercent: null })], at(10_000 + MEASUREMENT_GRACE_MS))).toMatchObject({
      verdict: "abort",
      sentence: "the canary on web-1 reported no overhead measurement in 25 s",
    });
  });
});
