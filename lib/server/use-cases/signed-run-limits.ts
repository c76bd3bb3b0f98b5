import "server-only";
import type { RunLimits } from "@/lib/protocol/run-order-limits.ts";
import { loadRunLimitsEnv, type RunLimitsEnv } from "@/lib/server/env.ts";

/**
 * The limits signed into a run order for a revision: what the agent enforces.
 * The revision's own limits come first (its duration, and a CPU budget if it
 * asks for one, capped at the server's maximum); the server's configuration
 * fills in the rest (README, "Configuration").
 */
export function signedLimits(revision: { durationSec: number; cpuBudgetPercent?: number | null }, config: RunLimitsEnv = loadRunLimitsEnv()): RunLimits {
  const asked = revision.cpuBudgetPercent ?? config.WORKBENCH_CPU_BUDGET_PERCENT;
  return {
    durationSec: revision.durationSec,
    cpuBudgetPercent: Math.min(asked, config.WORKBENCH_MAX_CPU_BUDGET_PERCENT),
    windowSec: config.WORKBENCH_LIMIT_WINDOW_SEC,
    maxOutputBytesPerSec: config.WORKBENCH_MAX_OUTPUT_BYTES_PER_SEC,
    maxOutputLinesPerSec: config.WORKBENCH_MAX_OUTPUT_LINES_PER_SEC,
    maxLostEvents: config.WORKBENCH_MAX_LOST_EVENTS,
    maxMapKeys: config.WORKBENCH_MAX_MAP_KEYS,
    maxStrlen: config.WORKBENCH_MAX_STRLEN,
    maxProbes: config.WORKBENCH_MAX_PROBES,
    maxBpfProgs: config.WORKBENCH_MAX_BPF_PROGS,
  };
}
