import { describe, expect, it } from "vitest";
import { countLogErrors } from "./server-log.ts";

describe("countLogErrors", () => {
  it("counts the server's error-level lines and anything else that says error, and names the most frequent", () => {
    const output = [
      JSON.stringify({ t: "2026-12-01T00:00:00Z", level: "info", msg: "agent connected", host: "fleet-00001" }),
      JSON.stringify({ t: "2026-12-01T00:00:01Z", level: "error", msg: "unhandled error in socket handler", error: { message: "Unable to start a transaction" } }),
      JSON.stringify({ t: "2026-12-01T00:00:02Z", level: "error", msg: "unhandled error in socket handler", error: { message: "Unable to start a transaction" } }),
      JSON.stringify({ t: "2026-12-01T00:00:03Z", level: "warn", msg: "slow" }),
      "Error: something Next printed on its own",
      "",
    ].join("\n");
    const counted = countLogErrors([output, JSON.stringify({ level: "error", msg: "expiry sweep failed" })]);
    expect(counted.errors).toBe(4);
    expect(counted.warnings).toBe(1);
    expect(counted.top[0]).toEqual(["unhandled error in socket handler: Unable to start a transaction", 2]);
  });

  it("finds nothing in a quiet log", () => {
    expect(countLogErrors([JSON.stringify({ level: "info", msg: "workbench listening" })])).toEqual({ errors: 0, warnings: 0, top: [] });
  });
});
