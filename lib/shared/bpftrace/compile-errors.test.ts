import { describe, expect, it } from "vitest";
import { parseCompileErrors } from "./compile-errors.ts";

describe("parseCompileErrors", () => {
  it("reads bpftrace's located errors, as 0.17 prints them for a program given with -e", () => {
    // Recorded here: bpftrace -d -e 'tracepoint:syscalls:sys_enter_openat { @x = no_such_function(1); }'
    const stderr = [
      "stdin:1:45-61: ERROR: Unknown function: no_such_function",
      "tracepoint:syscalls:sys_enter_openat { @x = no_such_function(1); }",
      "                                            ~~~~~~~~~~~~~~~~",
    ].join("\n");
    expect(parseCompileErrors(stderr)).toEqual([{ line: 1, column: 45, endColumn: 61, message: "Unknown function: no_such_function" }]);
  });

  it("reads several errors and a position without a range, and ignores the rest", () => {
    const stderr = "stdin:2:3: ERROR: first\nnoise line\nstdin:4:1-5: ERROR: syntax error, unexpected ;";
    expect(parseCompileErrors(stderr)).toEqual([
      { line: 2, column: 3, endColumn: 4, message: "first" },
      { line: 4, column: 1, endColumn: 5, message: "syntax error, unexpected ;" },
    ]);
    expect(parseCompileErrors("ERROR: Could not resolve symbol: /bin/bash:readline")).toEqual([]);
  });
});
