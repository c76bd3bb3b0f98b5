import { describe, expect, it } from "vitest";
import { checkParamValues, defaultParamValues, positionalArgs, runbookLibraryEntrySchema, runbookParamsSchema, type RunbookParam } from "./runbook-params.ts";

const params: RunbookParam[] = [
  { name: "pid", description: "Process id", type: "integer", min: 1, max: 4_194_304, default: 1 },
  { name: "comm", description: "Command name", type: "string", maxLength: 15, pattern: "[a-z0-9_-]+", default: "bash" },
  { name: "unit", description: "Unit", type: "choice", choices: ["us", "ms"], default: "us" },
  { name: "window", description: "Window", type: "duration", minSec: 1, maxSec: 60, default: 5 },
];

describe("runbook parameter schema", () => {
  it("accepts a well-formed list and refuses defaults outside their bounds, bad names and duplicates", () => {
    expect(runbookParamsSchema.safeParse(params).success).toBe(true);
    expect(runbookParamsSchema.safeParse([{ ...params[0], default: 0 }]).success).toBe(false);
    expect(runbookParamsSchema.safeParse([{ ...params[0], name: "Pid" }]).success).toBe(false);
    expect(runbookParamsSchema.safeParse([params[0], params[0]]).success).toBe(false);
    expect(runbookParamsSchema.safeParse([{ ...params[1], pattern: "(" }]).success).toBe(false);
    expect(runbookParamsSchema.safeParse([{ ...params[2], default: "s" }]).success).toBe(false);
  });

  it("checks values: bounds, anchored pattern, choices, missing and unknown names", () => {
    expect(checkParamValues(params, defaultParamValues(params))).toEqual([]);
    const problems = checkParamValues(params, { pid: 0, comm: "bash; rm", unit: "s", extra: 1 });
    expect(problems.map((p) => p.name).sort()).toEqual(["comm", "extra", "pid", "unit", "window"]);
    expect(problems.find((p) => p.name === "pid")?.message).toBe("pid must be between 1 and 4194304; 0 is not.");
    // The pattern must match the whole value, not a part of it.
    expect(checkParamValues([params[1]!], { comm: "bash\n}" })).toHaveLength(1);
  });

  it("turns values into one argv element per parameter, in schema order", () => {
    expect(positionalArgs(params, { pid: 42, comm: 'a"b\n}', unit: "ms", window: 10 })).toEqual(["42", 'a"b\n}', "ms", "10"]);
  });

  it("reads a library entry", () => {
    const entry = {
      slug: "runqlat",
      title: "Run-queue latency",
      measures: "wakeup to run",
      whenToUse: "CPU saturation",
      params,
      requiredTracepoints: ["sched:sched_wakeup"],
      defaultDurationSec: 30,
    };
    expect(runbookLibraryEntrySchema.parse(entry)).toEqual(entry);
  });
});
