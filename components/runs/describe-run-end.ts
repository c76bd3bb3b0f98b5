/** Why a run ended, as a sentence (shared by the run list and the live page). */
export function describeRunEnd(reason: string | null, detail: string | null, durationSec: number): string {
  switch (reason) {
    case "COMPLETED":
      return "Finished: bpftrace exited on its own.";
    case "DURATION_LIMIT":
      return `Stopped at its ${durationSec} s duration limit.`;
    case "STOPPED":
      return detail ? `Stopped: ${detail}.` : "Stopped by a user.";
    case "REVOKED":
      return `Revoked: ${detail ?? "its approval was revoked"}.`;
    case "OVERHEAD_LIMIT":
    case "OUTPUT_LIMIT":
      return `Stopped by the agent: ${detail ?? "it exceeded a signed limit"}.`;
    case "FAILED":
      return `Failed: ${detail ?? "bpftrace exited with an error"}`;
    case "EXPIRED":
      return `Expired: ${detail ?? "the signed order expired before it could run"}.`;
    case "REFUSED":
      return `Refused: ${detail ?? "the agent refused the signed order"}`;
    case "AGENT_LOST":
      return `Lost: ${detail ?? "the agent lost the run"}.`;
    default:
      return "Ended.";
  }
}
