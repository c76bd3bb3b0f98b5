// The limits signed into every run order, which the agent enforces and
// measures itself. The server fills them from its configuration (defaults and
// maximums, see lib/server/use-cases/signed-run-limits.ts); the ceilings here hold
// whatever a server is configured with, and an order outside them is refused
// by the agent as malformed. Documented in docs/run-order.md.
import { z } from "zod";
import { MAX_DURATION_SEC_CEILING, MIN_DURATION_SEC } from "../shared/input-limits.ts";

/** Hard ceilings no configuration can raise. */
export const RUN_LIMIT_CEILINGS = {
  /** % of one CPU: beyond a whole core, a probe is no longer "observing" the host. */
  cpuBudgetPercent: 100,
  windowSec: 300,
  maxOutputBytesPerSec: 64 * 1024 * 1024,
  maxOutputLinesPerSec: 1_000_000,
  maxLostEvents: 1_000_000_000,
  maxMapKeys: 10_000_000,
  maxStrlen: 65_536,
  maxProbes: 100_000,
  maxBpfProgs: 100_000,
} as const;

export const runLimitsSchema = z
  .object({
    /** Wall-clock seconds from start; then SIGINT, then SIGKILL after the agent's grace period. */
    durationSec: z.number().int().min(MIN_DURATION_SEC).max(MAX_DURATION_SEC_CEILING),
    /**
     * CPU the run may cost, in % of one CPU, averaged over `windowSec`: the kernel's own run time of
     * the run's BPF programs (`run_time_ns`, kernel.bpf_stats_enabled) plus bpftrace's user and
     * system CPU after it attached.
     */
    cpuBudgetPercent: z.number().positive().max(RUN_LIMIT_CEILINGS.cpuBudgetPercent),
    /** The moving window, in seconds, over which overhead and output rates are averaged. */
    windowSec: z.number().int().min(1).max(RUN_LIMIT_CEILINGS.windowSec),
    /** Output bytes per second bpftrace may print, averaged over the window. */
    maxOutputBytesPerSec: z.number().int().min(1).max(RUN_LIMIT_CEILINGS.maxOutputBytesPerSec),
    /** Output lines per second, averaged over the window. */
    maxOutputLinesPerSec: z.number().int().min(1).max(RUN_LIMIT_CEILINGS.maxOutputLinesPerSec),
    /** Events the kernel may drop (bpftrace's `lost_events`) over the whole run. */
    maxLostEvents: z.number().int().min(0).max(RUN_LIMIT_CEILINGS.maxLostEvents),
    /** bpftrace's own caps, passed in its environment under the installed version's names. */
    maxMapKeys: z.number().int().min(1).max(RUN_LIMIT_CEILINGS.maxMapKeys),
    maxStrlen: z.number().int().min(1).max(RUN_LIMIT_CEILINGS.maxStrlen),
    maxProbes: z.number().int().min(1).max(RUN_LIMIT_CEILINGS.maxProbes),
    maxBpfProgs: z.number().int().min(1).max(RUN_LIMIT_CEILINGS.maxBpfProgs),
  })
  .strict();

export type RunLimits = z.infer<typeof runLimitsSchema>;

/** What a server signs when nobody configured otherwise (see README, "Configuration"). */
export const DEFAULT_RUN_LIMITS: Omit<RunLimits, "durationSec"> = {
  cpuBudgetPercent: 1,
  windowSec: 5,
  maxOutputBytesPerSec: 1024 * 1024,
  maxOutputLinesPerSec: 5000,
  maxLostEvents: 10_000,
  // bpftrace's own defaults (0.17 `bpftrace --help`, ENVIRONMENT), except probes, which the policy
  // lint already caps at 100 per program.
  maxMapKeys: 4096,
  maxStrlen: 64,
  maxProbes: 512,
  maxBpfProgs: 512,
};
