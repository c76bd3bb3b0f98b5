// The canary decision as a pure function of what the database says about the
// canary runs and their measured overhead (docs/run-order.md, "Canary"), so it
// can be tested without waiting for a canary.

export type CanaryFacts = {
  hostName: string;
  status: "QUEUED" | "RUNNING" | "ENDED";
  startedAt: Date | null;
  endReason: string | null;
  endDetail: string | null;
  /** The highest overhead the run reported (% of one CPU), or null when it reported none yet. */
  cpuPercent: number | null;
};

export type CanaryVerdict = { verdict: "wait" } | { verdict: "pass" | "abort"; sentence: string; cpuPercent: number | null };

/** Endings that are no error: bpftrace exited on its own, or the run reached its signed duration. */
const CLEAN_ENDS = new Set(["COMPLETED", "DURATION_LIMIT"]);

/** A canary that has run its period but reported no overhead yet gets this long for its first sample before the launch is aborted. */
export const MEASUREMENT_GRACE_MS = 15_000;

const percent = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)}%`;

/**
 * Abort as soon as a canary ended with an error or measured more than the
 * budget; pass once every canary has run the period (or ended cleanly before
 * it) with its overhead measured under budget; otherwise wait.
 */
export function judgeCanary(rule: { periodSec: number; budgetPercent: number }, canaries: readonly CanaryFacts[], now: Date): CanaryVerdict {
  const measured = canaries.flatMap((canary) => (canary.cpuPercent === null ? [] : [canary.cpuPercent]));
  const peak = measured.length > 0 ? Math.max(...measured) : null;
  for (const canary of canaries) {
    if (canary.status === "ENDED" && !CLEAN_ENDS.has(canary.endReason ?? "")) {
      const why = canary.endDetail
        ? `${(canary.endReason ?? "ended").toLowerCase().replaceAll("_", " ")}: ${canary.endDetail}`
        : (canary.endReason ?? "ended").toLowerCase().replaceAll("_", " ");
      return { verdict: "abort", sentence: `the canary on ${canary.hostName} ended with an error (${why})`, cpuPercent: peak };
    }
  }
  for (const canary of canaries) {
    if (canary.cpuPercent !== null && canary.cpuPercent > rule.budgetPercent) {
      return {
        verdict: "abort",
        sentence: `the canary on ${canary.hostName} measured ${percent(canary.cpuPercent)} of a CPU, over the ${percent(rule.budgetPercent)} budget`,
        cpuPercent: peak,
      };
    }
  }
  const periodMs = rule.periodSec * 1000;
  let unmeasuredSince: number | null = null;
  for (const canary of canaries) {
    if (canary.status === "ENDED") continue;
    if (!canary.startedAt) return { verdict: "wait" };
    const ranUntil = canary.startedAt.getTime() + periodMs;
    if (now.getTime() < ranUntil) return { verdict: "wait" };
    if (canary.cpuPercent === null) unmeasuredSince = Math.min(unmeasuredSince ?? ranUntil, ranUntil);
  }
  if (unmeasuredSince !== null) {
    if (now.getTime() < unmeasuredSince + MEASUREMENT_GRACE_MS) return { verdict: "wait" };
    const silent = canaries.filter((canary) => canary.status !== "ENDED" && canary.cpuPercent === null).map((canary) => canary.hostName);
    return {
      verdict: "abort",
      sentence: `the canary on ${silent.join(", ")} reported no overhead measurement in ${rule.periodSec + MEASUREMENT_GRACE_MS / 1000} s`,
      cpuPercent: peak,
    };
  }
  const hosts = canaries.map((canary) => canary.hostName).join(", ");
  const cost = peak === null ? "ended before its first overhead sample" : `measured ${percent(peak)} of a CPU at most`;
  return {
    verdict: "pass",
    sentence: `the canary on ${hosts} ran ${rule.periodSec} s without error and ${cost} (budget ${percent(rule.budgetPercent)})`,
    cpuPercent: peak,
  };
}
