import { describe, expect, it } from "vitest";
import { canListProgramProbes, dryRunArguments, limitEnvironment, parseBpftraceVersion } from "./bpftrace-version.ts";

const limits = { maxMapKeys: 1000, maxStrlen: 300, maxProbes: 20, maxBpfProgs: 30 };

describe("bpftrace versions", () => {
  it("reads the versions bpftrace prints", () => {
    expect(parseBpftraceVersion("v0.17.0")).toMatchObject({ major: 0, minor: 17, patch: 0 });
    expect(parseBpftraceVersion("bpftrace v0.24.0-rc1")).toMatchObject({ major: 0, minor: 24, patch: 0 });
    expect(parseBpftraceVersion("0.27")).toMatchObject({ major: 0, minor: 27, patch: 0 });
    expect(parseBpftraceVersion(null)).toBeNull();
    expect(parseBpftraceVersion("unknown")).toBeNull();
  });

  it("names the resource caps as 0.17 reads them, with its 200-byte string limit", () => {
    expect(limitEnvironment(parseBpftraceVersion("v0.17.0"), limits)).toEqual({
      BPFTRACE_MAP_KEYS_MAX: "1000",
      BPFTRACE_STRLEN: "200",
      BPFTRACE_MAX_PROBES: "20",
      BPFTRACE_MAX_BPF_PROGS: "30",
    });
  });

  it("uses the names of 0.20 and later, which 0.24+ alone understand", () => {
    for (const version of ["v0.20.0", "v0.24.0", "v0.27.1", null]) {
      expect(Object.keys(limitEnvironment(parseBpftraceVersion(version), limits)).sort()).toEqual([
        "BPFTRACE_MAX_BPF_PROGS",
        "BPFTRACE_MAX_MAP_KEYS",
        "BPFTRACE_MAX_PROBES",
        "BPFTRACE_MAX_STRLEN",
      ]);
    }
    expect(limitEnvironment(parseBpftraceVersion("v0.20.0"), limits).BPFTRACE_MAX_STRLEN).toBe("200");
    expect(limitEnvironment(parseBpftraceVersion("v0.23.0"), limits).BPFTRACE_MAX_STRLEN).toBe("300");
  });

  it("dry-runs with -d up to 0.21 and --dry-run from 0.22", () => {
    expect(dryRunArguments(parseBpftraceVersion("v0.17.0"))).toEqual(["-d"]);
    expect(dryRunArguments(parseBpftraceVersion("v0.21.2"))).toEqual(["-d"]);
    expect(dryRunArguments(parseBpftraceVersion("v0.22.0"))).toEqual(["--dry-run"]);
    expect(canListProgramProbes(parseBpftraceVersion("v0.17.0"))).toBe(false);
    expect(canListProgramProbes(parseBpftraceVersion("v0.21.0"))).toBe(true);
  });
});
