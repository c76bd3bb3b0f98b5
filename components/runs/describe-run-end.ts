/** Ends a phrase with a full stop unless it already ends a sentence. */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** Why a run ended, as a sentence (shared by the run list and the live page). */
export function describeRunEnd(reason: string | null, detail: string | null, durationSec: number): string {
  switch (reason) {
    case "COMPLETED":
      return "Finished: bpftrace exited on its own.";
    case "DURATION_LIMIT":
      return `Stopped at its ${durationSec} s duration limit.`;
    case "STOPPED":
      return detail ? sentence(`Stopped: ${detail}`) : "Stopped by a user.";
    case "REVOKED":
      return sentence(`Revoked: ${detail ?? "its approval was revoked"}`);
    case "OVERHEAD_LIMIT":
    case "OUTPUT_LIMIT":
      return sentence(`Stopped by the agent: ${detail ?? "it exceeded a signed limit"}`);
    case "FAILED":
      return `Failed: ${detail ?? "bpftrace exited with an error"}`;
    case "EXPIRED":
      return sentence(`Expired: ${detail ?? "the signed order expired before it could run"}`);
    case "REFUSED":
      return `Refused: ${detail ?? "the agent refused the signed order"}`;
    case "AGENT_LOST":
      return sentence(`Lost: ${detail ?? "the agent lost the run"}`);
    case "CANARY_ABORTED":
      return sentence(`Never started, the launch was aborted: ${detail ?? "its canary failed"}`);
    default:
      return "Ended.";
  }
}
