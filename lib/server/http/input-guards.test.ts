import { describe, expect, it } from "vitest";
import { MAX_INPUT_DEPTH, inputProblem } from "./input-guards.ts";

const nested = (depth: number, inner: unknown = 1): unknown => {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

describe("inputProblem", () => {
  it("finds NUL in any string of a body, and says where", () => {
    expect(inputProblem({ title: "a\u0000b" })).toBe("title contains a NUL character (U+0000), which the workbench does not accept in any text.");
    expect(inputProblem({ limits: { note: "ok", other: "\u0000" } })).toMatch(/^limits\.other contains a NUL/);
    expect(inputProblem({ targetHostIds: ["h1", "h2", "h\u0000"] })).toMatch(/^targetHostIds\[2\] contains a NUL/);
    expect(inputProblem([{ frames: [{ text: "\u0000" }] }])).toMatch(/^\[0\]\.frames\[0\]\.text contains a NUL/);
    expect(inputProblem("\u0000")).toMatch(/^the value contains a NUL/);
  });

  it("finds NUL in a field name", () => {
    expect(inputProblem({ "a\u0000": 1 })).toMatch(/^A field name contains a NUL/);
    expect(inputProblem({ record: { "k\u0000": "v" } })).toMatch(/^A field name in record contains a NUL/);
  });

  it("passes everything else, other control characters included", () => {
    expect(inputProblem({ source: "interval:s:1 {\n\t@x = count();\r\n}", n: 1, ok: true, none: null, list: [1, "\u0001", "é"] })).toBeNull();
    expect(inputProblem(undefined)).toBeNull();
    expect(inputProblem("\\u0000 written out")).toBeNull();
    expect(inputProblem(nested(MAX_INPUT_DEPTH - 1))).toBeNull();
  });

  it("refuses input nested deeper than any request of the workbench, however deep", () => {
    expect(inputProblem(nested(MAX_INPUT_DEPTH + 1))).toMatch(/is nested deeper than 64 levels\.$/);
    expect(inputProblem({ frames: [{ record: { value: nested(200) } }] })).toMatch(/^frames\[0\]\.record\.value(\[0\])+ is nested deeper than 64 levels\.$/);
    expect(inputProblem(nested(200_000))).toMatch(/nested deeper/);
  });

  it("finds a NUL nested as deep as the limit allows", () => {
    expect(inputProblem(nested(MAX_INPUT_DEPTH - 1, "\u0000"))).toMatch(/contains a NUL/);
  });
});
