import { describe, expect, it } from "vitest";
import { ProbeIndex } from "./probe-index.ts";

const probes = new ProbeIndex([
  "tracepoint:syscalls:sys_enter_read",
  "tracepoint:syscalls:sys_exit_read",
  "tracepoint:syscalls:sys_enter_openat",
  "tracepoint:sched:sched_switch",
  "tracepoint:sched:sched_wakeup",
  "tracepoint:block:block_rq_issue",
  "kprobe:vfs_read",
  "kprobe:vfs_write",
  "uprobe:/bin/bash:readline",
  "tracepoint:syscalls:sys_enter_read", // listed by two hosts
]);

describe("ProbeIndex", () => {
  it("offers the next segment of each probe, once per distinct segment", () => {
    expect(probes.nextSegments("tracepoint:", 100)).toEqual({
      segments: [
        { text: "block:", isLeaf: false },
        { text: "sched:", isLeaf: false },
        { text: "syscalls:", isLeaf: false },
      ],
      complete: true,
    });
  });

  it("narrows by the part of the segment already typed", () => {
    expect(probes.nextSegments("tracepoint:syscalls:sys_en", 100).segments).toEqual([
      { text: "sys_enter_openat", isLeaf: true },
      { text: "sys_enter_read", isLeaf: true },
    ]);
    expect(probes.nextSegments("tracepoint:s", 100).segments.map((segment) => segment.text)).toEqual(["sched:", "syscalls:"]);
  });

  it("keeps paths with slashes inside one segment", () => {
    expect(probes.nextSegments("uprobe:", 100).segments).toEqual([{ text: "/bin/bash:", isLeaf: false }]);
    expect(probes.nextSegments("uprobe:/bin/bash:", 100).segments).toEqual([{ text: "readline", isLeaf: true }]);
  });

  it("stops at the limit and says the list is cut", () => {
    expect(probes.nextSegments("tracepoint:", 2)).toEqual({
      segments: [
        { text: "block:", isLeaf: false },
        { text: "sched:", isLeaf: false },
      ],
      complete: false,
    });
  });

  it("finds nothing for an unknown prefix", () => {
    expect(probes.nextSegments("tracepoint:nosuch", 100)).toEqual({ segments: [], complete: true });
  });

  it("counts probes under a prefix without duplicates", () => {
    expect(probes.size).toBe(9);
    expect(probes.countWithPrefix("tracepoint:")).toBe(6);
    expect(probes.countWithPrefix("kprobe:")).toBe(2);
    expect(probes.countWithPrefix("usdt:")).toBe(0);
  });

  it("collapses long runs of probes under one segment", () => {
    const subsystems = ["block", "sched", "syscalls"];
    const many = new ProbeIndex(subsystems.flatMap((subsystem) => Array.from({ length: 30_000 }, (_, i) => `tracepoint:${subsystem}:event_${i}`)));
    expect(many.nextSegments("tracepoint:", 10).segments.map((segment) => segment.text)).toEqual(["block:", "sched:", "syscalls:"]);
    expect(many.nextSegments("tracepoint:sched:event_2999", 100).segments).toHaveLength(11); // 2999 and 29990..29999
  });
});
