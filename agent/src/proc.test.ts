import fs from "node:fs";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ProcReader, readProcStat } from "./proc.ts";

describe("ProcReader", () => {
  it("reads a live process's CPU time from files it keeps open, and nothing once the process is gone", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    const reader = new ProcReader(child.pid!);
    try {
      const first = reader.stat()!;
      expect(first).toMatchObject({ comm: "sleep", startTime: readProcStat(child.pid!)!.startTime });
      expect(reader.stat()).toEqual(readProcStat(child.pid!)); // read again from the same open file
      const fds = fs.readdirSync(`/proc/${child.pid}/fd`);
      // sleep holds no BPF programs: its fdinfo files have no prog_id.
      expect(reader.programs(fds)).toEqual([]);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      // Reaped: the file opened for that process does not read as whatever gets its pid next.
      expect(reader.stat()).toBeNull();
      expect(reader.programs(fds)).toEqual([]);
    } finally {
      child.kill("SIGKILL");
      reader.dispose();
    }
  });
});
