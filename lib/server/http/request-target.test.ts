import { describe, expect, it } from "vitest";
import { requestTargetProblem } from "./request-target.ts";

describe("requestTargetProblem", () => {
  it("passes ordinary targets, escaped characters and lenient query text included", () => {
    for (const target of [
      "/",
      "/api/runs/abc/frames?afterSeq=10",
      "/programs/new",
      "/runs/compare?a=x%2Cy&b=z#top",
      "/api/audit?actor=%C3%A9",
      "/api/audit?actor=%E0%A4%A",
      "/login?callbackUrl=%2F%5Cevil.example",
      "/%F0%9F%90%9D",
    ]) {
      expect(requestTargetProblem(target), target).toBeNull();
    }
  });

  it("refuses a path with a malformed %-escape", () => {
    for (const target of ["/api/runs/%E0%A4%A/frames", "/programs/%", "/%zz", "/api/runs/%C3/frames?x=1"]) {
      expect(requestTargetProblem(target), target).toMatch(/^The request path has a malformed %-escape/);
    }
  });

  it("refuses NUL in the path, in a query value or a query name", () => {
    expect(requestTargetProblem("/api/runs/%00/frames")).toMatch(/^The request path contains a NUL character/);
    expect(requestTargetProblem("/api/audit?actor=%00")).toMatch(/^The query parameter actor contains a NUL character/);
    expect(requestTargetProblem("/admin/audit?action=auth.&actor=a%00b")).toMatch(/^The query parameter actor contains/);
    expect(requestTargetProblem("/api/audit?%00=1")).toMatch(/^A query parameter's name contains/);
  });

  it("does not read NUL into a fragment", () => {
    expect(requestTargetProblem("/programs#%00")).toBeNull();
  });
});
