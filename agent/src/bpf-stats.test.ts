import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BpfStatsSwitch, type SysctlIo } from "./bpf-stats.ts";
import { StateDir } from "./state-dir.ts";

function fakeSysctl(initial: string): SysctlIo & { value: string; writes: string[] } {
  const io = {
    value: initial,
    writes: [] as string[],
    read: () => io.value,
    write: (value: string) => {
      io.writes.push(value);
      io.value = value;
    },
  };
  return io;
}

const stateDir = () => StateDir.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wb-stats-")), "state"));

describe("BpfStatsSwitch", () => {
  it("turns kernel.bpf_stats_enabled on while runs are active and puts back what it found", () => {
    const sysctl = fakeSysctl("0");
    const stats = new BpfStatsSwitch(stateDir(), () => {}, sysctl);
    stats.acquire();
    stats.acquire();
    expect(sysctl.value).toBe("1");
    stats.release();
    expect(sysctl.value).toBe("1");
    stats.release();
    expect(sysctl.value).toBe("0");
  });

  it("leaves it on when someone else had turned it on", () => {
    const sysctl = fakeSysctl("1");
    const stats = new BpfStatsSwitch(stateDir(), () => {}, sysctl);
    stats.acquire();
    stats.release();
    expect(sysctl.writes).toEqual([]);
  });

  it("restores it at the next start when the agent was killed with it on", () => {
    const state = stateDir();
    const sysctl = fakeSysctl("0");
    new BpfStatsSwitch(state, () => {}, sysctl).acquire(); // then killed: no release
    expect(sysctl.value).toBe("1");
    new BpfStatsSwitch(StateDir.open(state.root), () => {}, sysctl).recover();
    expect(sysctl.value).toBe("0");
  });

  it("refuses, with the reason, when it cannot turn statistics on", () => {
    const sysctl = fakeSysctl("0");
    sysctl.write = () => {
      throw Object.assign(new Error("read-only"), { code: "EROFS" });
    };
    const stats = new BpfStatsSwitch(stateDir(), () => {}, sysctl);
    expect(() => stats.acquire()).toThrow("cannot turn on kernel.bpf_stats_enabled (EROFS), so the run's CPU budget could not be measured");
  });
});
