import fs from "node:fs";
import { z } from "zod";
import type { StateDir } from "./state-dir.ts";

/** The kernel counts each BPF program's run time and runs only while this is 1 (Documentation/admin-guide/sysctl/kernel.rst). */
export const BPF_STATS_SYSCTL = "/proc/sys/kernel/bpf_stats_enabled";
const STATE_FILE = "bpf-stats.json";
const stateSchema = z.object({ restoreTo: z.enum(["0", "1"]) }).strict();

export type SysctlIo = { read(): string; write(value: string): void };

const procSysctl: SysctlIo = {
  read: () => fs.readFileSync(BPF_STATS_SYSCTL, "utf8").trim(),
  write: (value) => fs.writeFileSync(BPF_STATS_SYSCTL, value),
};

/**
 * Turns kernel.bpf_stats_enabled on while at least one run is active and puts
 * back the value it found when the last one ends (statistics cost a few
 * nanoseconds per program run, so they are not left on). The value to restore
 * is written to the state directory before the switch, so an agent killed
 * meanwhile restores it on its next start.
 */
export class BpfStatsSwitch {
  private holders = 0;
  private restoreTo: "0" | "1" | null = null;

  constructor(
    private readonly state: StateDir,
    private readonly log: (message: string, fields?: Record<string, unknown>) => void,
    private readonly io: SysctlIo = procSysctl,
  ) {}

  /** At start, before any run: undo what a killed agent left behind. */
  recover(): void {
    const saved = this.state.readJson(STATE_FILE, stateSchema);
    if (!saved) return;
    this.io.write(saved.restoreTo);
    fs.rmSync(this.state.path(STATE_FILE), { force: true });
    this.log("restored kernel.bpf_stats_enabled left on by a previous agent", { value: saved.restoreTo });
  }

  /** Throws (with the reason) when statistics cannot be turned on: the run's budget could not be measured. */
  acquire(): void {
    if (this.holders === 0) {
      const current = this.io.read();
      if (current !== "1") {
        this.state.writeJson(STATE_FILE, { restoreTo: current === "0" ? "0" : "1" });
        try {
          this.io.write("1");
        } catch (error) {
          fs.rmSync(this.state.path(STATE_FILE), { force: true });
          throw new Error(`cannot turn on kernel.bpf_stats_enabled (${(error as NodeJS.ErrnoException).code ?? String(error)}), so the run's CPU budget could not be measured`);
        }
        this.restoreTo = current === "0" ? "0" : null;
      } else {
        this.restoreTo = null;
      }
    }
    this.holders++;
  }

  /** Someone else may have turned it off mid-run; turn it on again, since the budget depends on it. */
  ensureOn(): void {
    if (this.holders > 0 && this.io.read() !== "1") {
      this.log("kernel.bpf_stats_enabled was turned off while runs were active; turning it on again");
      this.io.write("1");
    }
  }

  release(): void {
    if (this.holders === 0) return;
    this.holders--;
    if (this.holders > 0 || this.restoreTo === null) return;
    try {
      this.io.write(this.restoreTo);
      fs.rmSync(this.state.path(STATE_FILE), { force: true });
    } catch (error) {
      this.log("could not restore kernel.bpf_stats_enabled", { error: String(error) });
    }
    this.restoreTo = null;
  }
}
