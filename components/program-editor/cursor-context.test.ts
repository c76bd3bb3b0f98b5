import { describe, expect, it } from "vitest";
import { cursorContext } from "./cursor-context.ts";

/** The context at the `|` in `source`. */
function contextAtBar(source: string) {
  const offset = source.indexOf("|");
  return cursorContext(source.slice(0, offset) + source.slice(offset + 1), offset);
}

describe("cursorContext", () => {
  it("is a probe position before any block and between blocks", () => {
    expect(contextAtBar("trace|")).toBe("probe");
    expect(contextAtBar('BEGIN { printf("hi"); }\ntracepoint:sys|')).toBe("probe");
    expect(contextAtBar("kprobe:a,\n  kprobe:|")).toBe("probe");
  });

  it("is a block inside braces, nested or not", () => {
    expect(contextAtBar("BEGIN { pi| }")).toBe("block");
    expect(contextAtBar("BEGIN { if (1) { co| } }")).toBe("block");
    expect(contextAtBar("BEGIN { if (1) { } @x = | }")).toBe("block");
  });

  it("tells a predicate from a path", () => {
    expect(contextAtBar("kprobe:vfs_read /pi|")).toBe("predicate");
    expect(contextAtBar("kprobe:vfs_read\n/pid == 1/ { }\nuprobe:/bin/ba|")).toBe("probe");
    expect(contextAtBar("uprobe:/bin/bash:readline /co|")).toBe("predicate");
  });

  it("keeps a division inside a predicate, and leaves it at the closing slash", () => {
    expect(contextAtBar("kprobe:a / arg0 / 2 > c|")).toBe("predicate");
    expect(contextAtBar("kprobe:a / arg0 / 2 > 1 / {|")).toBe("block");
    expect(contextAtBar("kprobe:a /arg0/\n{ } kprobe:|")).toBe("probe");
  });

  it("ignores braces and slashes in comments and strings", () => {
    expect(contextAtBar("// { \nkprobe:|")).toBe("probe");
    expect(contextAtBar("/* { */ kprobe:|")).toBe("probe");
    expect(contextAtBar('BEGIN { printf("}"); pi| }')).toBe("block");
    expect(contextAtBar('BEGIN { printf("a\\"}"); |}')).toBe("block");
  });

  it("reports comments and strings themselves", () => {
    expect(contextAtBar("BEGIN { // pi|")).toBe("comment");
    expect(contextAtBar("/* kprobe:| */")).toBe("comment");
    expect(contextAtBar('BEGIN { printf("pi|')).toBe("string");
  });
});
