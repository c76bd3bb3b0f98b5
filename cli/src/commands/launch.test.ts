import { describe, expect, it } from "vitest";
import { CliError } from "../cli-error.ts";
import { launchValues } from "./launch.ts";
import type { RunbookItem } from "./runbooks.ts";

const runbook = {
  policy: {
    params: [
      { name: "pid", description: "Process", type: "integer", min: 1, max: 100, default: 1 },
      { name: "window", description: "How long", type: "duration", minSec: 1, maxSec: 600, default: 10 },
      { name: "comm", description: "Command", type: "string", maxLength: 15, pattern: "[a-z]+", default: "bash" },
    ],
  },
} as unknown as RunbookItem;

describe("launch values from NAME=VALUE", () => {
  it("starts from the signed defaults and types what reads as a number or duration", () => {
    expect(launchValues(runbook, [])).toEqual({ pid: 1, window: 10, comm: "bash" });
    expect(launchValues(runbook, ["pid=42", "window=5m", "comm=nginx=1"])).toEqual({ pid: 42, window: 300, comm: "nginx=1" });
  });

  it("sends what does not fit as typed, for the server's sentence, and refuses what is not NAME=VALUE", () => {
    expect(launchValues(runbook, ["pid=forty", "nope=1"])).toEqual({ pid: "forty", window: 10, comm: "bash", nope: "1" });
    expect(() => launchValues(runbook, ["pid"])).toThrow(CliError);
    expect(() => launchValues(runbook, ["=3"])).toThrow(/is not name=value/);
  });
});
