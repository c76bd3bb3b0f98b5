import { describe, expect, it } from "vitest";
import { countMatches, globMatches, parseProbeSpec } from "./probe-spec.ts";

describe("parseProbeSpec", () => {
  it("resolves aliases and splits parts outside quotes", () => {
    expect(parseProbeSpec('ur:/opt/app:"ns::fn(char const*)"')).toEqual({
      provider: "ur",
      type: "uretprobe",
      parts: ["/opt/app", "ns::fn(char const*)"],
      wildcardParts: [false, false],
    });
    expect(parseProbeSpec("t:syscalls:sys_enter_*")).toMatchObject({ type: "tracepoint", wildcardParts: [false, true] });
    expect(parseProbeSpec("*:vfs_read")).toMatchObject({ provider: "*", type: undefined });
  });
});

describe("globMatches", () => {
  it.each([
    ["sys_enter_*", "sys_enter_read", true],
    ["sys_enter_*", "sys_enter_", true],
    ["sys_?nter_read", "sys_enter_read", true],
    ["*read*", "sys_enter_readv", true],
    ["*read", "sys_enter_readv", false],
    ["sys_enter_read", "sys_enter_readv", false],
  ])("%s against %s is %s", (glob, text, expected) => {
    expect(globMatches(glob, text)).toBe(expected);
  });

  it("takes no time on patterns that make a regex backtrack exponentially", () => {
    const started = performance.now();
    expect(globMatches(`${"*a".repeat(30)}*b`, "a".repeat(60))).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("countMatches", () => {
  const catalog = ["tracepoint:syscalls:sys_enter_read", "tracepoint:syscalls:sys_enter_readv", "kprobe:vfs_read", "kprobe:ext4:ext4_file_open"];

  it("counts a wildcard part by part, a module-qualified kernel function included", () => {
    expect(countMatches(parseProbeSpec("t:syscalls:sys_enter_read*"), catalog)).toBe(2);
    expect(countMatches(parseProbeSpec("kprobe:*_open"), catalog)).toBe(1);
    expect(countMatches(parseProbeSpec("kretprobe:vfs_*"), catalog)).toBe(1);
  });

  it("knows nothing of types the catalog does not list", () => {
    expect(countMatches(parseProbeSpec("uprobe:/bin/bash:*"), catalog)).toBeUndefined();
    expect(countMatches(parseProbeSpec("interval:s:1"), catalog)).toBeUndefined();
    expect(countMatches(parseProbeSpec("t:syscalls:sys_enter_read*"), undefined)).toBeUndefined();
  });
});
