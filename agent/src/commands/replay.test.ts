import { describe, expect, it } from "vitest";
import type { OutputRecord } from "@/lib/shared/bpftrace/records.ts";
import { AgentError } from "../errors.ts";
import { ReplayClock } from "./replay-capture.ts";
import { parseReplayArgs } from "./replay-arguments.ts";

const hist = (map: string): OutputRecord => ({ type: "hist", map, series: [] });

describe("ReplayClock", () => {
  it("starts a new interval each time a map printed in this interval prints again", () => {
    const clock = new ReplayClock();
    const ticks = [
      { type: "attached_probes", count: 2 } as OutputRecord,
      hist("@usecs"),
      hist("@bytes"),
      { type: "printf", text: "tick\n" } as OutputRecord,
      hist("@usecs"),
      hist("@bytes"),
      hist("@usecs"),
    ].map((record) => clock.tickOf(record));
    // attached_probes before any print: 0; then @usecs+@bytes share interval 1, the next pair 2, ...
    expect(ticks).toEqual([0, 1, 1, 1, 2, 2, 3]);
  });
});

describe("parseReplayArgs", () => {
  it("reads the file, server, user and defaults", () => {
    const options = parseReplayArgs(["/tmp/capture.json", "--server", "http://wb:3000", "--user", "sre@example.com"], { WORKBENCH_PASSWORD: "pw" });
    expect(options).toMatchObject({ file: "/tmp/capture.json", name: "capture.json", intervalMs: 1000, pace: "fast", password: "pw", startedAt: undefined });
  });

  it("says what is wrong with a flag", () => {
    const fail = (args: string[]) => {
      try {
        parseReplayArgs(args, {});
      } catch (error) {
        return error instanceof AgentError ? `${error.code}: ${error.message.split("\n")[0]}` : String(error);
      }
      return "no error";
    };
    expect(fail(["f", "--server", "http://x"])).toBe("USAGE: replay needs --user EMAIL (or WORKBENCH_USER): you sign in with your workbench account");
    expect(fail(["f", "--server", "http://x", "--user", "u", "--interval", "0"])).toBe("USAGE: --interval must be seconds between 0 and 3600, not 0");
    expect(fail(["f", "--server", "http://x", "--user", "u", "--pace", "slow"])).toBe('USAGE: --pace is "fast" or "realtime", not slow');
    expect(fail(["--server", "http://x", "--user", "u"])).toBe("USAGE: replay takes one capture file");
  });
});
