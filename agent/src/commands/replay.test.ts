import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { OutputRecord } from "@/lib/shared/bpftrace/records.ts";
import { AgentError } from "../errors.ts";
import { parseReplayArgs } from "./replay-arguments.ts";
import { ReplayClock } from "./replay-capture.ts";

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
  it("reads the file, server, API token and defaults", () => {
    const options = parseReplayArgs(["/tmp/capture.json", "--server", "http://wb:3000"], { WORKBENCH_TOKEN: "wbt_x" });
    expect(options).toMatchObject({ file: "/tmp/capture.json", name: "capture.json", intervalMs: 1000, pace: "fast", token: "wbt_x", startedAt: undefined });
  });

  it("reads the token from the first line of --token-file, over WORKBENCH_TOKEN", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wb-replay-token-")), "token");
    fs.writeFileSync(file, "wbt_fromfile\n", { mode: 0o600 });
    expect(parseReplayArgs(["c.json", "--server", "http://wb:3000", "--token-file", file], { WORKBENCH_TOKEN: "wbt_env" }).token).toBe("wbt_fromfile");
  });

  it("says what is wrong with a flag", () => {
    const fail = (args: string[], env: Record<string, string> = {}) => {
      try {
        parseReplayArgs(args, env);
      } catch (error) {
        return error instanceof AgentError ? `${error.code}: ${error.message.split("\n")[0]}` : String(error);
      }
      return "no error";
    };
    expect(fail(["f", "--server", "http://x"])).toBe(
      "USAGE: replay needs an API token with the scope replays:upload: create one on your account page, then set WORKBENCH_TOKEN or pass --token-file FILE",
    );
    expect(fail(["f", "--server", "http://x", "--token-file", "/nonexistent/token"])).toBe("USAGE: cannot read --token-file /nonexistent/token");
    // The password sign-in is gone: --user is no flag any more.
    expect(fail(["f", "--server", "http://x", "--user", "u"])).toMatch(/^USAGE: Unknown option '--user'/);
    const token = { WORKBENCH_TOKEN: "wbt_t" };
    expect(fail(["f", "--server", "http://x", "--interval", "0"], token)).toBe("USAGE: --interval must be seconds between 0 and 3600, not 0");
    expect(fail(["f", "--server", "http://x", "--pace", "slow"], token)).toBe('USAGE: --pace is "fast" or "realtime", not slow');
    expect(fail(["--server", "http://x"], token)).toBe("USAGE: replay takes one capture file");
  });
});
